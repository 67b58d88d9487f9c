/**
 * Test projects: unit (node, pure functions), worker (inside workerd with real D1/KV/R2/Queues,
 * bindings generated from the manifest), infra (Pulumi mocks), e2e (the local stack over HTTP),
 * browser (the dashboard in Chromium against the local stack).
 */
import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { dashboardAssetsVitePlugin } from "./scripts/lib/dashboard-assets";
import { miniflareBindings } from "./scripts/lib/miniflare-options";
import { TEST_SECRETS } from "./tests/secrets";

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  const bindings = miniflareBindings({
    secrets: TEST_SECRETS,
    vars: { UPSTREAM_URL: "http://upstream.test" },
  });
  return {
    test: {
      // Logs of passing tests are expected (faults injected on purpose); a failing test shows its own.
      silent: "passed-only",
      projects: [
        { test: { name: "unit", include: ["tests/unit/**/*.test.ts"], environment: "node" } },
        {
          plugins: [
            // The dashboard's assets, built as the production bundle builds them.
            dashboardAssetsVitePlugin(),
            cloudflareTest({
              main: "./worker/src/index.ts",
              miniflare: {
                ...bindings,
                // Tests drive queue() themselves; automatic delivery would race their assertions.
                queueConsumers: {},
                // FAULT_SEEDS=7,8,9 npm run test:faults: seeds for the fault scenarios (tests/fault-seeds.ts).
                bindings: {
                  ...bindings.bindings,
                  TEST_MIGRATIONS: migrations,
                  FAULT_SEEDS: process.env.FAULT_SEEDS ?? "",
                },
              },
            }),
          ],
          test: {
            name: "worker",
            include: ["tests/worker/**/*.test.ts"],
            setupFiles: ["./tests/worker/setup.ts"],
            globalSetup: ["./tests/quiet-workerd.ts"],
          },
        },
        {
          test: {
            name: "infra",
            include: ["tests/infra/**/*.test.ts"],
            environment: "node",
            testTimeout: 60_000,
          },
        },
        {
          test: {
            name: "e2e",
            include: ["tests/e2e/**/*.test.ts"],
            environment: "node",
            testTimeout: 120_000,
            hookTimeout: 120_000,
            fileParallelism: false,
          },
        },
        {
          test: {
            // Debian's Chromium (apt `chromium`) driven by playwright-core against the local stack.
            name: "browser",
            include: ["tests/browser/**/*.test.ts"],
            environment: "node",
            testTimeout: 120_000,
            hookTimeout: 180_000,
            fileParallelism: false,
          },
        },
      ],
    },
  };
});

/**
 * The test pool's env: the Worker's Env plus the migrations the setup file applies and the
 * FAULT_SEEDS the fault scenarios may run instead of their own (tests/fault-seeds.ts).
 */
import type { D1Migration } from "cloudflare:test";
import type { Env as WorkerEnv } from "../../worker/src/env";

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      TEST_MIGRATIONS: D1Migration[];
      FAULT_SEEDS: string;
    }
  }
}

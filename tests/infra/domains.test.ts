/**
 * Where the Worker is served: a custom domain or a zone route instead of workers.dev, switching
 * workers.dev off, with the outputs following the public URL.
 */
import { beforeAll, expect, it } from "vitest";
import { only, type ProgramReport, runProgram } from "./program-run";

const DOMAIN = "cloudflare:index/workersCustomDomain:WorkersCustomDomain";
const ROUTE = "cloudflare:index/workersRoute:WorkersRoute";
const SUBDOMAIN = "cloudflare:index/workersScriptSubdomain:WorkersScriptSubdomain";
const ZONE = "023e105f4ecef8ad9ca31a8372d0c353";
let custom: ProgramReport;
let routed: ProgramReport;

beforeAll(async () => {
  const run = (stack: string, config: Record<string, string | null>) =>
    runProgram({
      stack,
      configFile: "prod",
      typeCheck: false,
      config: { "pathmeter:workersDevSubdomain": null, "pathmeter:zoneId": ZONE, ...config },
    });
  [custom, routed] = await Promise.all([
    run("ci-domain", { "pathmeter:customDomain": "pathmeter.example.com" }),
    run("ci-route", { "pathmeter:route": "api.example.com/*" }),
  ]);
}, 120_000);

it("serves a custom domain, with workers.dev switched off", () => {
  expect(custom.error).toBeUndefined();
  expect(only(custom, DOMAIN).inputs).toEqual({
    accountId: expect.any(String),
    hostname: "pathmeter.example.com",
    service: "pathmeter-ci-domain-gateway",
    zoneId: ZONE,
  });
  expect(only(custom, SUBDOMAIN).inputs.enabled).toBe(false);
  expect(custom.resources.filter((r) => r.type === ROUTE)).toEqual([]);
  expect(custom.stackOutputs).toMatchObject({
    workerUrl: "https://pathmeter.example.com",
    ingestUrl: "https://pathmeter.example.com/_pathmeter/ingest",
  });
});

it("serves a zone route covering the whole host, with workers.dev switched off", () => {
  expect(routed.error).toBeUndefined();
  expect(only(routed, ROUTE).inputs).toEqual({
    zoneId: ZONE,
    pattern: "api.example.com/*",
    script: "pathmeter-ci-route-gateway",
  });
  expect(only(routed, SUBDOMAIN).inputs.enabled).toBe(false);
  expect(routed.resources.filter((r) => r.type === DOMAIN)).toEqual([]);
  expect(routed.stackOutputs).toMatchObject({ dashboardUrl: "https://api.example.com/_pathmeter/dashboard" });
});

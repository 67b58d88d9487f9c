/**
 * The gateway Worker: the script uploaded from the one build (scripts/lib/build.ts), its single
 * cron trigger with the manifest's two trigger schedules (jobs are dispatched on scheduledTime), and
 * where it is reachable (workers.dev, a custom
 * domain or a zone route).
 */
import path from "node:path";
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import type { WorkerBundle } from "../scripts/lib/build";
import { manifest } from "../worker/src/manifest";
import { cronSchedules, durableObjectMigrations } from "./bindings";
import { resourceName, scriptName } from "./names";
import type { DomainSettings } from "./settings";

export interface GatewayWorkerArgs {
  stack: string;
  accountId: pulumi.Input<string>;
  /** The bundle from `buildWorker()`: the bytes the local stack and the e2e tests run. */
  bundle: WorkerBundle;
  bindings: pulumi.Input<pulumi.Input<cloudflare.types.input.WorkersScriptBinding>[]>;
  domain: DomainSettings;
  /** Resources the script waits for, e.g. the D1 migrations, so new code meets the new schema. */
  runAfter?: pulumi.Resource[];
}

/**
 * Workers Logs on, traces off, with every optional field the API fills in stated (sampling rates
 * default to 1, log destinations to []): left unset, a refresh would plan them back to null.
 */
export const OBSERVABILITY = {
  enabled: true,
  headSamplingRate: 1,
  logs: { enabled: true, invocationLogs: true, headSamplingRate: 1, persist: true, destinations: [] },
  traces: { enabled: false, headSamplingRate: 1, persist: true, destinations: [] },
} satisfies cloudflare.types.input.WorkersScriptObservability;

/** The Worker's public base URL, without a trailing slash. */
export function workerUrl(stack: string, domain: DomainSettings): string {
  switch (domain.kind) {
    case "workersDev":
      return `https://${scriptName(stack)}.${domain.subdomain}.workers.dev`;
    case "customDomain":
      return `https://${domain.hostname}`;
    case "route":
      return `https://${domain.pattern.replace(/\/\*$/, "")}`;
  }
}

/** The Worker script with its cron trigger and public endpoint. */
export class GatewayWorker extends pulumi.ComponentResource {
  readonly script: cloudflare.WorkersScript;
  /** One trigger per script: the API replaces the whole schedule list on every update. */
  readonly cron: cloudflare.WorkersCronTrigger;
  readonly workersDev: cloudflare.WorkersScriptSubdomain;
  readonly customDomain?: cloudflare.WorkersCustomDomain;
  readonly route?: cloudflare.WorkersRoute;
  readonly url: string;

  constructor(name: string, args: GatewayWorkerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pathmeter:infra:GatewayWorker", name, {}, opts);
    const { stack, accountId, bundle, domain } = args;
    this.script = new cloudflare.WorkersScript(
      scriptName(stack),
      {
        accountId,
        scriptName: scriptName(stack),
        // Relative to the working directory, so the state does not change with the machine that
        // deploys. The CLI gives the program and the providers the same one, `main`'s folder
        // (infra/; pulumi's getPwdMain), so the provider resolves it to the same file.
        contentFile: path.relative(process.cwd(), bundle.file),
        contentSha256: bundle.sha256,
        mainModule: bundle.mainModule,
        compatibilityDate: manifest.compatibilityDate,
        compatibilityFlags: [...manifest.compatibilityFlags],
        bindings: args.bindings,
        // dashboard (issue 11): the live hub's Durable Object class, from the manifest.
        migrations: durableObjectMigrations(),
        observability: OBSERVABILITY,
      },
      { parent: this, dependsOn: args.runAfter ?? [] },
    );
    const target = { accountId, scriptName: this.script.scriptName };
    this.cron = new cloudflare.WorkersCronTrigger(
      resourceName(stack, "crons"),
      { ...target, schedules: cronSchedules().map((cron) => ({ cron })) },
      { parent: this },
    );
    this.workersDev = new cloudflare.WorkersScriptSubdomain(
      resourceName(stack, "workers-dev"),
      // One public origin: workers.dev is switched off when a custom domain or route serves the Worker.
      { ...target, enabled: domain.kind === "workersDev", previewsEnabled: false },
      { parent: this },
    );
    if (domain.kind === "customDomain")
      this.customDomain = new cloudflare.WorkersCustomDomain(
        resourceName(stack, "domain"),
        { accountId, hostname: domain.hostname, service: this.script.scriptName, zoneId: domain.zoneId },
        { parent: this },
      );
    if (domain.kind === "route")
      this.route = new cloudflare.WorkersRoute(
        resourceName(stack, "route"),
        { zoneId: domain.zoneId, pattern: domain.pattern, script: this.script.scriptName },
        { parent: this },
      );
    this.url = workerUrl(stack, domain);
    this.registerOutputs({ scriptName: this.script.scriptName, url: this.url });
  }
}

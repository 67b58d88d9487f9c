/**
 * Runs the Pulumi program exactly as `pulumi up` / `pulumi preview` load it, under mocks, in this
 * (sub)process: like the CLI, it runs the program with its working directory at the folder of
 * Pulumi.yaml's `main` (infra/), where @pulumi/pulumi's own `cmd/run` `run()` registers the project's
 * TypeScript with ts-node (its vendored 7.0.1, `typeScriptRequireStrings()` /
 * `loadTypeScriptCompilerOptions()` with ./tsconfig.json of that folder), requires the program,
 * calls its exported function inside the root Stack resource and registers the returned outputs.
 *
 * Plain CommonJS on purpose: no other transpiler may touch the program before Pulumi's loader.
 *
 *   node tests/infra/pulumi-run.cjs <request.json> <report.json>
 *   request: { stack, preview?, main, config: { "project:key": "value" }, secretKeys: [...], env: {...} }
 *   report:  { ok, error?, resources: [...], stackOutputs, providerSources: { [type]: source } }
 */
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const pulumi = require("@pulumi/pulumi");

// cmd/run/index.js is the language host's entry: on require it parses argv and connects to a live
// engine, then calls run.js's `run()`. We call `run()` ourselves under mocks, so the entry module is
// stubbed with the one constant run.js reads from it.
require.cache[require.resolve("@pulumi/pulumi/cmd/run/index.js")] = {
  exports: { nodeJSProcessExitedAfterLoggingUserActionableMessage: 32 },
};
const { run } = require("@pulumi/pulumi/cmd/run/run.js");

const [requestFile, reportFile] = process.argv.slice(2);
const request = JSON.parse(fs.readFileSync(requestFile, "utf8"));
const project = "pathmeter";

const resources = [];
let stackOutputs;
const providerSources = {};

/** Computed outputs a real provider would return (ids, uuids), so dependent inputs are known. */
function computedState(type, inputs) {
  switch (type) {
    case "cloudflare:index/queue:Queue":
      return { queueId: `queue-id-${inputs.queueName}` };
    case "cloudflare:index/d1Database:D1Database":
      return { uuid: "d1000000-0000-4000-8000-000000000001" };
    case "cloudflare:index/workersKvNamespace:WorkersKvNamespace":
      return {};
    case "pulumi-nodejs:dynamic/pathmeter:D1Migrations":
      return { applied: Object.keys(inputs.migrations ?? {}), ran: Object.keys(inputs.migrations ?? {}) };
    case "random:index/randomPassword:RandomPassword":
      return { result: `generated-${"x".repeat(inputs.length ?? 16)}`, bcryptHash: "$2a$10$mock" };
    default:
      return {};
  }
}

const idOf = (type, name) =>
  type === "cloudflare:index/workersKvNamespace:WorkersKvNamespace"
    ? "kv00000000000000000000000000000001"
    : `${name}-id`;

const mocks = {
  newResource(args) {
    const computed = computedState(args.type, args.inputs);
    if (typeof args.inputs.__provider === "string") providerSources[args.type] = args.inputs.__provider;
    const { __provider, ...inputs } = args.inputs;
    const record = resources.find((r) => r.type === args.type && r.name === args.name);
    if (record) {
      delete record.wire.__provider;
      Object.assign(record, { inputs, provider: args.provider ?? null, custom: args.custom });
    }
    return { id: idOf(args.type, args.name, args.inputs), state: { ...args.inputs, ...computed } };
  },
  call(args) {
    throw new Error(`unexpected invoke ${args.token}`);
  },
};

/** Records what MockResourceArgs leaves out: parent, protect, dependsOn, the URN. */
function instrument(monitor) {
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    const record = {
      type: req.getType(),
      name: req.getName(),
      parent: req.getParent(),
      protect: req.getProtect() === true,
      retainOnDelete: req.getRetainondelete() === true,
      dependencies: req.getDependenciesList(),
      // The inputs as sent to the engine: secrets stay wrapped exactly where they are nested.
      wire: req.getObject() ? req.getObject().toJavaScript() : {},
    };
    resources.push(record);
    return register(req, (err, response) => {
      if (response) record.urn = response.getUrn();
      callback(err, response);
    });
  };
  const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
  monitor.registerResourceOutputs = (req, callback) => {
    if (req.getUrn().endsWith(`::pulumi:pulumi:Stack::${project}-${request.stack}`))
      stackOutputs = req.getOutputs() ? req.getOutputs().toJavaScript() : {};
    return registerOutputs(req, callback);
  };
}

async function execute() {
  for (const [key, value] of Object.entries(request.env ?? {})) {
    if (value === null) delete process.env[key];
    else process.env[key] = value;
  }
  // What the nodejs language host sets for a TypeScript project (Pulumi.yaml runtime.options.typescript).
  process.env.PULUMI_NODEJS_TYPESCRIPT = "true";
  await pulumi.runtime.setMocks(mocks, project, request.stack, request.preview === true);
  instrument(pulumi.runtime.getMonitor());
  pulumi.runtime.setAllConfig(request.config ?? {}, request.secretKeys ?? []);
  const errors = [];
  // The CLI's way: the program's working directory is `main`'s folder, the program its file there.
  const main = request.main ?? "infra/index.ts";
  await run(
    { _: [path.basename(main)], pwd: path.resolve(path.dirname(main)) },
    () => {},
    (err) => errors.push(err),
    () => false,
  );
  await pulumi.runtime.disconnect();
  return errors;
}

execute().then(
  (errors) => {
    const ok = errors.length === 0;
    const error = ok ? undefined : errors.map((e) => e.message).join("\n");
    write({ ok, error, resources, stackOutputs, providerSources });
    process.exit(0);
  },
  (err) => {
    write({
      ok: false,
      error: err instanceof Error ? err.message : String(err),
      resources,
      stackOutputs,
      providerSources,
    });
    process.exit(0);
  },
);

function write(report) {
  fs.mkdirSync(path.dirname(reportFile), { recursive: true });
  fs.writeFileSync(reportFile, JSON.stringify(report, null, 2));
}

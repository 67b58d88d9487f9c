/**
 * The one place the test harness reaches into worker/src: the Worker's entry and the few types
 * and functions the harness builds on. When a module moves, only this file changes.
 */
export { OTHER_PATH, writeEvents } from "../../../worker/src/db/write-events";
export type { Env } from "../../../worker/src/env";
export type { EventMethod, TrafficEvent } from "../../../worker/src/event";
export { default as worker } from "../../../worker/src/index";
export { runJob } from "../../../worker/src/jobs/run-job";
export { type CronJob, manifest } from "../../../worker/src/manifest";
export { isPack, packEvents, unpack } from "../../../worker/src/shared/pack";
export { bucketOf } from "../../../worker/src/sketches/latency";

/**
 * The worker-test harness, one import for every test under tests/worker: one seeded event
 * generator (events.ts), one reset of D1/KV/R2 (reset.ts), one ground-truth model (truth.ts),
 * and the drivers of the Worker's real entry points (http.ts, queues.ts, jobs.ts).
 */
export * from "./events";
export * from "./http";
export * from "./jobs";
export * from "./queues";
export * from "./reset";
export * from "./storage";
export * from "./truth";
export * from "./upstream";

/** The job behind each cron of the manifest (manifest.crons has the same names). */
import type { CronJob } from "../manifest";
import { archiveJob } from "./archive";
import { capacity } from "./capacity";
import { cleanupJob } from "./cleanup";
import type { JobFn } from "./job";
import { rollup } from "./rollup";
import { snapshot } from "./snapshot";
import { snapshotPrune } from "./snapshot-prune";

export const JOBS: Record<CronJob, JobFn> = {
  rollup,
  snapshot,
  archive: archiveJob(),
  cleanup: cleanupJob(),
  capacity,
  snapshotPrune,
};

export const isJobName = (name: string): name is CronJob => Object.hasOwn(JOBS, name);

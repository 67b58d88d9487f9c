/**
 * Every benchmark `npm run bench` runs, in this order. To add one, write a module exporting a
 * `Bench` (see ./types.ts) and list it here; `npm run bench -- <name>` runs just that one.
 */
import { archiveBench } from "./archive";
import { bundleBench } from "./bundle";
import { consumerBench } from "./consumer";
import { gatewayBench } from "./gateway";
import { liveBench } from "./live";
import { queryBench } from "./query";
import { rowsBench } from "./rows";
import type { Bench } from "./types";
import { validationBench } from "./validation";

export const benches: readonly Bench[] = [
  consumerBench,
  gatewayBench,
  archiveBench,
  rowsBench,
  queryBench,
  validationBench,
  liveBench,
  bundleBench,
];

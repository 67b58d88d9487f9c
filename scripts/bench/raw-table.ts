/** Name of the raw-insert bench's copy of traffic_events (shared by the bench and its Worker). */
export const RAW_TABLE = "bench_raw_events";

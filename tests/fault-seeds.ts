/**
 * The seeds a fault scenario runs: its own few (what `npm test` runs), or those named in
 * FAULT_SEEDS, so new seeds run without editing a test: `FAULT_SEEDS=7,8,9 npm run test:faults`.
 * Worker tests read it from their env (vitest.config.mts passes it through), e2e tests from
 * process.env.
 */

/** `defaults`, or the distinct seeds of `raw` (comma-separated integers); a bad list throws. */
export function faultSeeds(defaults: readonly number[], raw: string | undefined): number[] {
  if (raw === undefined || raw.trim() === "") return [...defaults];
  const parts = raw.split(",").map((part) => part.trim());
  if (parts.some((part) => !/^\d{1,9}$/.test(part)))
    throw new Error(`FAULT_SEEDS must be comma-separated integers such as 7,8,9; got ${JSON.stringify(raw)}`);
  return [...new Set(parts.map(Number))];
}

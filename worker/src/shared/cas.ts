/**
 * The compare-and-swap retry loop: a read-modify-write attempt that loses a race (another writer
 * changed what it read) is re-run from its reads, a bounded number of times. Which errors count
 * as a lost race is the caller's to say (db/sketch-store.ts: `isCasConflict`).
 */

export interface CasRetryOptions {
  /** True for an error that means "re-read and try again". */
  isConflict: (error: unknown) => boolean;
  /** Attempts in all, the first included; the last conflict is rethrown. */
  maxAttempts: number;
}

/** Runs `attempt` until it succeeds; returns its result and how many lost races were retried. */
export async function withCasRetry<T>(
  attempt: () => Promise<T>,
  options: CasRetryOptions,
): Promise<{ result: T; retries: number }> {
  for (let retries = 0; ; retries++) {
    try {
      return { result: await attempt(), retries };
    } catch (error) {
      if (!options.isConflict(error) || retries + 1 >= options.maxAttempts) throw error;
    }
  }
}

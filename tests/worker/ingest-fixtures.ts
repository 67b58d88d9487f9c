/**
 * Shared set-up of the ingest API tests (ingest.test.ts, ingest-delivery.test.ts): a fixed clock,
 * a valid event to vary field by field, and fresh storage before each test.
 */
import { afterEach, beforeEach, vi } from "vitest";
import { rejectionCounts, resetStorage } from "./harness";

/** The fixed "now" of every ingest test. */
export const NOW = Date.UTC(2026, 10, 24, 12, 30);
export const DAY = 86_400_000;

/** A valid ingest event a minute before {@link NOW}, with `over` replacing or adding fields. */
export const valid = (over: Record<string, unknown> = {}) => ({
  ts: NOW - 60_000,
  method: "GET",
  path: "/users/1",
  status: 200,
  durationMs: 12.5,
  bytes: 100,
  clientIp: "203.0.113.9",
  requestId: "req-0",
  ...over,
});

/** Registers the hooks: fresh storage and the clock at {@link NOW} before each test, mocks restored after. */
export function useIngestSetup(): void {
  beforeEach(async () => {
    await resetStorage();
    vi.spyOn(Date, "now").mockReturnValue(NOW);
  });
  afterEach(() => vi.restoreAllMocks());
}

/** The rejections the ingest API has counted, by code. */
export const ingestRejections = () => rejectionCounts("ingest");

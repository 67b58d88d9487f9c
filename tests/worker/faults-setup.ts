/**
 * The per-test setup of the fault scenarios that move a faked clock: empty storage, a Date the
 * scenario sets (vi.setSystemTime) starting at the real time, and the logs of injected failures
 * silenced; all undone after each test.
 */
import { afterEach, beforeEach, vi } from "vitest";
import { resetStorage } from "./harness";

/** Registers the setup above for every test of the calling file. */
export function withFaultScenarioSetup(): void {
  beforeEach(async () => {
    await resetStorage();
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now());
    // Injected failures are logged on purpose.
    vi.spyOn(console, "error").mockImplementation(() => {});
    vi.spyOn(console, "warn").mockImplementation(() => {});
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.useRealTimers();
  });
}

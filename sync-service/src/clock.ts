/**
 * The service's business clock. In production it is the wall clock. Tests that run the service as a process
 * set TEST_CLOCK (an ISO instant, accepted only with NODE_ENV=test): the clock then starts at that instant and
 * advances with real elapsed time, so that timers, leases and retries still work while every business rule
 * (quiet hours, booking delays, "is the RDV started") sees a chosen hour whatever the machine's time of day.
 */
import { performance } from 'node:perf_hooks';

export type Clock = () => Date;

export const wallClock: Clock = () => new Date();

/** A clock that reads `startAt` now and advances with the process's monotonic time. */
export function clockStartingAt(startAt: Date, monotonicMs: () => number = () => performance.now()): Clock {
  const origin = monotonicMs();
  return () => new Date(startAt.getTime() + (monotonicMs() - origin));
}

import { describe, expect, it } from '@jest/globals';
import { clockStartingAt } from '../../../sync-service/src/clock';

describe('the business clock', () => {
  it('should read the chosen instant at start and advance with elapsed monotonic time only', () => {
    let monotonic = 1_000;
    const clock = clockStartingAt(new Date('2026-12-08T09:10:00Z'), () => monotonic);
    expect(clock().toISOString()).toBe('2026-12-08T09:10:00.000Z');
    monotonic += 90_000;
    expect(clock().toISOString()).toBe('2026-12-08T09:11:30.000Z');
  });
});

/**
 * The outbound worker is killed (SIGKILL) at random points of bursts of bookings, moves, agent changes and
 * cancellations, then restarted once the leases of the dead process have passed. In the end every live RDV has
 * exactly one event in each of its agents' calendars, at its time, and no calendar holds anything else of ours.
 * The scenario itself is in crash-scenarios.ts (the crash benchmark runs it too).
 */
import { describe, expect, it } from '@jest/globals';
import { countOutbound, outboundCrashScenario } from './crash-scenarios';

describe('outbound sync across crashes', () => {
  it('leaves exactly one event per live (RDV, agent), at the RDV\'s time, and nothing else', async () => {
    const r = await outboundCrashScenario({ seed: 20260302 });
    expect(r.expected.size).toBeGreaterThan(20);
    expect(r.misplaced).toEqual([]);
    expect([...r.found.keys()].sort()).toEqual([...r.expected.keys()].sort());
    for (const [key, events] of r.found) expect({ key, events }).toEqual({ key, events: [r.expected.get(key)] });
    expect(countOutbound(r)).toEqual({ duplicates: 0, lost: 0, findings: [] });
  });
});

/**
 * The inbound sync process killed (SIGKILL) at random points during a burst of Outlook changes in two mailboxes,
 * then restarted: once it has caught up, every busy block matches a meeting in Outlook (none missing, none left
 * over, none for our events), and every RDV whose event the agent moved follows it, moved exactly once.
 * The scenario itself is in crash-scenarios.ts (the crash benchmark runs it too).
 */
import { describe, expect, it } from '@jest/globals';
import { countInbound, inboundCrashScenario } from './crash-scenarios';

describe('an inbound sync process killed during a burst of Outlook changes', () => {
  it('loses no Outlook change and applies none twice once restarted', async () => {
    const r = await inboundCrashScenario({ seed: 20260303 });
    for (const m of r.mailboxes) expect({ agentId: m.agentId, blocks: m.stored }).toEqual({ agentId: m.agentId, blocks: m.expected });
    expect(r.moved).toHaveLength(5);
    for (const mv of r.moved) expect({ rdvId: mv.rdvId, times: mv.rdv, moves: mv.moves }).toEqual({ rdvId: mv.rdvId, times: mv.event, moves: ['outlook'] });
    expect([...r.ourEvents.values()].every((ids) => ids.length === 1)).toBe(true);
    expect(countInbound(r)).toEqual({ duplicates: 0, lost: 0, findings: [] });
  });
});

/**
 * How the crash benchmark counts what a crash scenario left behind: duplicates and lost changes, from outcomes
 * written by hand (the scenarios themselves run in test/integration/sync/*-crash.test.ts).
 */
import { describe, expect, it } from '@jest/globals';
import { countInbound as countInboundFindings, countOutbound as countOutboundFindings } from '../../integration/sync/crash-scenarios';

// The counts alone; the findings' wording is checked once below.
const countOutbound = (...a: Parameters<typeof countOutboundFindings>) => { const { duplicates, lost } = countOutboundFindings(...a); return { duplicates, lost }; };
const countInbound = (...a: Parameters<typeof countInboundFindings>) => { const { duplicates, lost } = countInboundFindings(...a); return { duplicates, lost }; };

const at = (h: number) => ({ start: `2026-03-03T${String(h).padStart(2, '0')}:00:00.000Z`, end: `2026-03-03T${String(h).padStart(2, '0')}:30:00.000Z` });

describe('counting the outbound crash outcome', () => {
  it('should count nothing when each live (RDV, agent) has one event at its time', () => {
    const expected = new Map([['1/10', at(8)], ['2/11', at(9)]]);
    expect(countOutbound({ expected, found: new Map([['1/10', [at(8)]], ['2/11', [at(9)]]]), misplaced: [] })).toEqual({ duplicates: 0, lost: 0 });
  });

  it('should count a second event, an event of a cancelled RDV and an event in another agent\'s calendar as duplicates', () => {
    const expected = new Map([['1/10', at(8)]]);
    const found = new Map([['1/10', [at(8), at(8)]], ['3/10', [at(10)]]]);
    expect(countOutbound({ expected, found, misplaced: ['4/11'] })).toEqual({ duplicates: 3, lost: 0 });
  });

  it('should count a missing event and an event left at an old time as lost changes', () => {
    const expected = new Map([['1/10', at(8)], ['2/10', at(9)]]);
    expect(countOutbound({ expected, found: new Map([['2/10', [at(12)]]]), misplaced: [] })).toEqual({ duplicates: 0, lost: 2 });
  });
});

describe('counting the inbound crash outcome', () => {
  const block = (sourceId: string, h: number) => ({ sourceId, ...at(h) });
  const moved = (moves: string[], rdvHour = 11) => ({ rdvId: 1, rdv: at(rdvHour), event: at(11), moves });

  it('should count nothing when the store matches Outlook', () => {
    expect(countInbound({
      mailboxes: [{ agentId: 10, expected: [block('a', 8)], stored: [block('a', 8)] }], moved: [moved(['outlook'])], ourEvents: new Map([['1/10', ['e1']]]),
    })).toEqual({ duplicates: 0, lost: 0 });
  });

  it('should count a block left over after its meeting was deleted, a missing block, a block at an old time and an RDV that did not follow as lost', () => {
    expect(countInbound({
      mailboxes: [{ agentId: 10, expected: [block('a', 8), block('b', 9)], stored: [block('b', 10), block('gone', 12)] }],
      moved: [moved([], 9)], ourEvents: new Map([['1/10', ['e1']]]),
    })).toEqual({ duplicates: 0, lost: 4 });
  });

  it('should count a block for our own event, a second event of ours and a move applied twice as duplicates', () => {
    expect(countInbound({
      mailboxes: [{ agentId: 10, expected: [block('a', 8)], stored: [block('a', 8), block('e1', 11)] }],
      moved: [moved(['outlook', 'outlook'])], ourEvents: new Map([['1/10', ['e1', 'e2']]]),
    })).toEqual({ duplicates: 3, lost: 0 });
  });
});

describe('the findings of a count', () => {
  it('should say which (RDV, agent) or meeting each duplicate or lost change is about', () => {
    const outbound = countOutboundFindings({ expected: new Map([['1/10', at(8)]]), found: new Map([['1/10', [at(9)]], ['3/10', [at(10)]]]), misplaced: [] });
    expect(outbound.findings).toEqual(['event 3/10 for no live RDV', '1/10: event at another time']);
    const inbound = countInboundFindings({
      mailboxes: [{ agentId: 10, expected: [], stored: [{ sourceId: 'gone', ...at(12) }] }], moved: [], ourEvents: new Map(),
    });
    expect(inbound.findings).toEqual(['agent 10: busy block gone left over after its meeting was deleted or set free']);
  });
});

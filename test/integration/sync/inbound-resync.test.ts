/**
 * Inbound sync when things go wrong, against the emulator through the real SDKs: expired delta tokens, a full
 * round asked for (`missed`, removed subscription), paging with empty pages and replayed items, throttling and an
 * unavailable Graph. Each ends with the store matching the calendar, or with the error recorded in French words.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { getRdv } from '../../../sync-service/src/data/rdvs';
import { getEventLink, getMailbox, outboxPending } from '../../../sync-service/src/data/sync';
import { runInboundRound } from '../../../sync-service/src/sync/inbound';
import { busyBlocks, NOW, startInboundWorld, utc, type InboundWorld } from '../../helpers/inbound-world';

describe('inbound rounds under faults', () => {
  let t: InboundWorld;
  let agentId: number;
  const outlook = {
    create: async (body: Record<string, unknown>) => {
      const ev = await t.emulator.control.userEvent(t.userA2.id).create(body);
      return String(t.emulator.control.userEvent(t.userA2.id).get(String(ev.id), { immutableId: true })!.id);
    },
    update: (id: string, patch: Record<string, unknown>) => t.emulator.control.userEvent(t.userA2.id).update(id, patch),
    delete: (id: string) => t.emulator.control.userEvent(t.userA2.id).delete(id),
  };
  const meeting = (start: string, end: string) => ({ subject: 'Synthèse', start: utc(start), end: utc(end), showAs: 'busy' });
  const deltaCalls = () => t.emulator.control.requestLog({ userId: t.userA2.id, kind: 'calendarView.delta' });

  beforeAll(async () => {
    t = await startInboundWorld();
    agentId = t.w.agentA2.id;
    await t.round(agentId);
  });
  afterAll(async () => { await t?.stop(); });

  it('resyncs the whole window after an expired delta token, sweeping the blocks of meetings deleted meanwhile', async () => {
    const kept = await outlook.create(meeting('2026-03-10T08:00:00Z', '2026-03-10T09:00:00Z'));
    const gone = await outlook.create(meeting('2026-03-10T10:00:00Z', '2026-03-10T11:00:00Z'));
    await t.round(agentId);
    expect((await busyBlocks(t.db, agentId)).map((b) => b.sourceId)).toEqual([kept, gone]);
    await outlook.delete(gone);
    const added = await outlook.create(meeting('2026-03-11T08:00:00Z', '2026-03-11T09:00:00Z'));
    expect(t.emulator.control.expireDeltaTokens(t.userA2.id)).toBeGreaterThan(0);
    t.emulator.control.clearRequestLog();
    t.metrics.repaired.length = 0;
    await t.round(agentId);
    expect((await busyBlocks(t.db, agentId)).map((b) => b.sourceId)).toEqual([kept, added]);
    // One refused call with the old token, then a new round over the window.
    const calls = deltaCalls();
    expect(calls.map((c) => c.status)).toEqual([410, 200]);
    expect(t.metrics.repaired).toEqual([['busy_blocks', 1]]);
    const mb = (await getMailbox(t.db.pool, agentId))!;
    expect(mb.deltaLink).toContain('$deltatoken=');
    expect(mb.lastError).toBeNull();
    expect([mb.importDone, mb.importTotal]).toEqual([2, 2]); // the total is known once the last page is read
    for (const id of [kept, added]) await outlook.delete(id);
    await t.round(agentId);
    expect(await busyBlocks(t.db, agentId)).toEqual([]);
  });

  it('finds, in a full resync, our event deleted while notifications were lost, and restores it', async () => {
    const rdvId = await t.bookRdv('2026-03-12T09:00:00Z', [agentId]);
    const ev = await t.writeOurEvent(rdvId, agentId, '2026-03-12T09:00:00Z', '2026-03-12T09:30:00Z');
    const kept = await t.bookRdv('2026-03-12T13:00:00Z', [agentId]);
    await t.writeOurEvent(kept, agentId, '2026-03-12T13:00:00Z', '2026-03-12T13:30:00Z');
    await outlook.delete(ev.id);
    // The delta never reported the event, so only a full round can notice it is gone (as after `missed`).
    await t.round(agentId, { full: true });
    expect((await getEventLink(t.db.pool, rdvId, agentId))!).toMatchObject({ eventId: null, generation: 1 });
    expect(await outboxPending(t.db.pool, rdvId, agentId)).toBe(true);
    expect((await getEventLink(t.db.pool, kept, agentId))!.eventId).not.toBeNull();
    expect(await outboxPending(t.db.pool, kept, agentId)).toBe(false);
    expect((await getRdv(t.db.pool, rdvId))!.status).toBe('unknown');
    await t.db.pool.query('delete from sync_outbox');
  });

  it('applies every item of a round spread over several pages, with empty pages and replayed items, once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) {
      const day = String(2 + (i % 20)).padStart(2, '0');
      ids.push(await outlook.create(meeting(`2026-04-${day}T${String(6 + Math.floor(i / 20)).padStart(2, '0')}:00:00Z`, `2026-04-${day}T${String(6 + Math.floor(i / 20)).padStart(2, '0')}:30:00Z`)));
    }
    t.emulator.control.injectFault(t.userA2.id, { kind: 'deltaEmptyPages', count: 2 });
    t.emulator.control.injectFault(t.userA2.id, { kind: 'deltaReplay', count: 2 });
    t.emulator.control.clearRequestLog();
    await t.round(agentId);
    expect((await busyBlocks(t.db, agentId)).map((b) => b.sourceId).sort()).toEqual([...ids].sort());
    expect(deltaCalls().length).toBeGreaterThanOrEqual(5); // 2 empty pages + 3 pages of 10
    for (const id of ids) await outlook.delete(id);
    await t.round(agentId);
    expect(await busyBlocks(t.db, agentId)).toEqual([]);
  });

  it('waits out a burst of 429 answers with Retry-After and completes the round', async () => {
    const id = await outlook.create(meeting('2026-03-13T08:00:00Z', '2026-03-13T09:00:00Z'));
    t.emulator.control.injectFault(t.userA2.id, { kind: 'status', status: 429, count: 2, retryAfterSeconds: 0, callKind: 'calendarView.delta' });
    t.emulator.control.clearRequestLog();
    await t.round(agentId);
    expect(deltaCalls().map((c) => c.status)).toEqual([429, 429, 200]);
    expect((await busyBlocks(t.db, agentId)).map((b) => b.sourceId)).toEqual([id]);
    await outlook.delete(id);
    await t.round(agentId);
  });

  it('resumes a round stopped after its first page at its next page, so a meeting that page imported and that was deleted since goes', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 15; i++) ids.push(await outlook.create(meeting(`2026-04-${String(2 + i).padStart(2, '0')}T07:00:00Z`, `2026-04-${String(2 + i).padStart(2, '0')}T07:30:00Z`)));
    // The round is stopped (as by a crash or a shutdown) once its first page of 10 is applied.
    const stop = new AbortController();
    const gateway = Object.create(t.gateway) as typeof t.gateway;
    gateway.delta = async (...args) => { const page = await t.gateway.delta(...args); stop.abort(); return page; };
    await expect(runInboundRound({ ...t.deps, gateway }, agentId, { signal: stop.signal })).rejects.toThrow('stopped during a delta round');
    const imported = (await busyBlocks(t.db, agentId)).map((b) => b.sourceId);
    expect(imported).toHaveLength(10);
    expect((await getMailbox(t.db.pool, agentId))!.deltaNextLink).toContain('skiptoken');
    // Deleted in Outlook before the round runs again: a round replayed from its start would never hear of them.
    for (const id of imported) await outlook.delete(id);
    t.emulator.control.clearRequestLog();
    await t.round(agentId);
    expect(deltaCalls()[0].path).toContain('skiptoken');
    // The resumed round completes the snapshot it started from; the next one (which the deletions' notifications
    // ask for) is told of the deletions.
    expect((await busyBlocks(t.db, agentId)).map((b) => b.sourceId).sort()).toEqual([...ids].sort());
    await t.round(agentId);
    expect((await busyBlocks(t.db, agentId)).map((b) => b.sourceId).sort()).toEqual(ids.filter((id) => !imported.includes(id)).sort());
    expect((await getMailbox(t.db.pool, agentId))!.deltaNextLink).toBeNull();
    for (const id of ids.filter((x) => !imported.includes(x))) await outlook.delete(id);
    await t.round(agentId);
    expect(await busyBlocks(t.db, agentId)).toEqual([]);
  });

  it('records a French last_error on the mailbox and fails the job when Graph stays unavailable, then clears it on the next good round', async () => {
    const before = (await getMailbox(t.db.pool, agentId))!.deltaLink;
    t.emulator.control.injectFault(t.userA2.id, { kind: 'status', status: 503, count: 5, retryAfterSeconds: 0, callKind: 'calendarView.delta' });
    t.metrics.errors.length = 0;
    await expect(t.round(agentId)).rejects.toThrow();
    const failed = (await getMailbox(t.db.pool, agentId))!;
    expect(failed.lastError).toBe('Microsoft 365 ne répond pas (HTTP 503) : la lecture des changements reprendra automatiquement.');
    expect(failed.lastErrorAt).toEqual(NOW);
    expect(failed.deltaLink).toBe(before); // nothing lost: the next round starts from the same token
    expect(t.metrics.errors).toEqual([[agentId, 'unavailable']]);
    expect(t.logs.some((l) => l.msg === 'inbound: delta round failed' && l.agentId === agentId)).toBe(true);
    await t.round(agentId);
    expect((await getMailbox(t.db.pool, agentId))!.lastError).toBeNull();
  });

  it('re-bases the rolling window with a full round once it has moved on by more than a week, and not before', async () => {
    const day = 86_400_000;
    t.emulator.control.clearRequestLog();
    await runInboundRound({ ...t.deps, now: () => new Date(NOW.getTime() + 6 * day) }, agentId);
    expect(deltaCalls().map((c) => c.path.includes('deltatoken'))).toEqual([true]);
    t.emulator.control.clearRequestLog();
    await runInboundRound({ ...t.deps, now: () => new Date(NOW.getTime() + 8 * day) }, agentId);
    const [first] = deltaCalls();
    expect(first.path).toContain(`startDateTime=${encodeURIComponent(new Date(NOW.getTime() + 8 * day - 31 * day).toISOString())}`);
    // Back to the tests' clock: one more full round puts the window where the other tests expect it.
    await t.round(agentId, { full: true });
  });

  it('skips a mailbox being disconnected', async () => {
    await t.db.pool.query(`update sync_mailboxes set state = 'disconnecting' where agent_id = $1`, [agentId]);
    t.emulator.control.clearRequestLog();
    await t.round(agentId);
    expect(deltaCalls()).toEqual([]);
    await t.db.pool.query(`update sync_mailboxes set state = 'connected' where agent_id = $1`, [agentId]);
  });
});

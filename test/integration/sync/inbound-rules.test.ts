/**
 * Inbound sync rules (DESIGN.md §4) against the Microsoft 365 emulator through the real SDKs and a real
 * PostgreSQL: what an agent does in Outlook reaches the store by one delta round. The business clock is fixed on
 * Monday 2 March 2026, 09:00 Paris; agents of organisation A work Monday–Friday 09:00–17:00 Paris (08:00–16:00 UTC).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { computeAvailability } from '../../../sync-service/src/availability';
import { cancelRdv, moveRdv } from '../../../sync-service/src/booking';
import { getRdv, getMotif } from '../../../sync-service/src/data/rdvs';
import { agentIdentityOf, getEventLink, getMailbox, outboxPending } from '../../../sync-service/src/data/sync';
import { busyBlocks, NOW, startInboundWorld, utc, type InboundWorld } from '../../helpers/inbound-world';

describe('an Outlook change reaches the store by one delta round', () => {
  let t: InboundWorld;
  let agentId: number;
  /** Acts as the agent in Outlook; returns the event's immutable id (what the service sees). */
  const outlook = {
    create: async (body: Record<string, unknown>) => {
      const ev = await t.emulator.control.userEvent(t.userA.id).create(body);
      return String(t.emulator.control.userEvent(t.userA.id).get(String(ev.id), { immutableId: true })!.id);
    },
    update: (id: string, patch: Record<string, unknown>) => t.emulator.control.userEvent(t.userA.id).update(id, patch),
    delete: (id: string) => t.emulator.control.userEvent(t.userA.id).delete(id),
  };
  const meeting = (start: string, end: string, extra: Record<string, unknown> = {}) => ({ subject: 'Réunion d’équipe', start: utc(start), end: utc(end), showAs: 'busy', ...extra });
  const auditOf = async (rdvId: number) =>
    (await t.db.pool.query(`select action, channel, actor_agent_id from audit_log where entity_type = 'rdv' and entity_id = $1 order by id`, [rdvId])).rows;
  const slotStarts = async (day: string) => {
    const motif = (await getMotif(t.db.pool, t.w.motifA))!;
    const { slots } = await computeAvailability(t.db.pool, { motif, lieuId: t.w.lieuA, agentId, from: day, to: day, now: NOW, audience: 'agent' });
    return slots.map((s) => s.start.toISOString());
  };

  beforeAll(async () => {
    t = await startInboundWorld();
    agentId = t.w.agentA.id;
    await t.round(agentId); // the first round reads the window and keeps a delta link
  });
  afterAll(async () => { await t?.stop(); });

  it('keeps a delta link and the round time on the mailbox after the first round', async () => {
    const mb = (await getMailbox(t.db.pool, agentId))!;
    expect(mb.deltaLink).toContain('$deltatoken=');
    expect(mb.lastSuccessAt).toEqual(NOW);
    expect(mb.lastError).toBeNull();
  });

  describe('any other event', () => {
    it('makes an ordinary meeting a busy block, and its slots disappear from availability', async () => {
      expect(await slotStarts('2026-03-10')).toEqual(expect.arrayContaining(['2026-03-10T13:00:00.000Z', '2026-03-10T13:30:00.000Z']));
      const id = await outlook.create(meeting('2026-03-10T13:00:00Z', '2026-03-10T14:00:00Z'));
      await t.round(agentId);
      expect(await busyBlocks(t.db, agentId)).toEqual([{ sourceId: id, start: '2026-03-10T13:00:00.000Z', end: '2026-03-10T14:00:00.000Z', showAs: 'busy', isAllDay: false }]);
      const after = await slotStarts('2026-03-10');
      expect(after).not.toContain('2026-03-10T13:00:00.000Z');
      expect(after).not.toContain('2026-03-10T13:30:00.000Z');
      expect(after).toContain('2026-03-10T14:00:00.000Z');
    });

    it('follows a meeting moved in Outlook and removes the block of a meeting deleted in Outlook', async () => {
      const [block] = await busyBlocks(t.db, agentId);
      await outlook.update(block.sourceId, { start: utc('2026-03-10T15:00:00Z'), end: utc('2026-03-10T15:30:00Z') });
      await t.round(agentId);
      expect(await busyBlocks(t.db, agentId)).toEqual([expect.objectContaining({ sourceId: block.sourceId, start: '2026-03-10T15:00:00.000Z', end: '2026-03-10T15:30:00.000Z' })]);
      await outlook.delete(block.sourceId);
      await t.round(agentId);
      expect(await busyBlocks(t.db, agentId)).toEqual([]);
      expect(await slotStarts('2026-03-10')).toContain('2026-03-10T15:00:00.000Z');
    });

    it('keeps tentative, out-of-office and working-elsewhere time with its show-as, and blocks nothing for free or cancelled time', async () => {
      const tentative = await outlook.create(meeting('2026-03-16T08:00:00Z', '2026-03-16T09:00:00Z', { showAs: 'tentative' }));
      const oof = await outlook.create(meeting('2026-03-17T00:00:00Z', '2026-03-18T00:00:00Z', { showAs: 'oof', isAllDay: true }));
      const elsewhere = await outlook.create(meeting('2026-03-18T08:00:00Z', '2026-03-18T09:00:00Z', { showAs: 'workingElsewhere' }));
      const free = await outlook.create(meeting('2026-03-19T08:00:00Z', '2026-03-19T09:00:00Z', { showAs: 'free' }));
      await t.round(agentId);
      const blocks = await busyBlocks(t.db, agentId);
      expect(blocks.map((b) => [b.sourceId, b.showAs])).toEqual([[tentative, 'tentative'], [oof, 'oof'], [elsewhere, 'workingElsewhere']]);
      expect(blocks[1]).toMatchObject({ isAllDay: true, start: '2026-03-17T00:00:00.000Z', end: '2026-03-18T00:00:00.000Z' });
      // A busy meeting that becomes free no longer blocks.
      await outlook.update(elsewhere, { showAs: 'free' });
      await t.round(agentId);
      expect((await busyBlocks(t.db, agentId)).map((b) => b.sourceId)).toEqual([tentative, oof]);
      for (const id of [tentative, oof, free, elsewhere]) await outlook.delete(id);
      await t.round(agentId);
      expect(await busyBlocks(t.db, agentId)).toEqual([]);
    });

    it('makes one busy block per occurrence of a weekly recurring meeting in the window, and none for its series master', async () => {
      const master = await outlook.create({
        ...meeting('2026-03-04T12:00:00Z', '2026-03-04T13:00:00Z'),
        recurrence: { pattern: { type: 'weekly', interval: 1, daysOfWeek: ['wednesday'] }, range: { type: 'numbered', startDate: '2026-03-04', numberOfOccurrences: 5 } },
      });
      await t.round(agentId);
      const blocks = await busyBlocks(t.db, agentId);
      // The series was created in UTC, so its occurrences stay at 12:00 UTC across the change to summer time (29 March).
      expect(blocks.map((b) => b.start)).toEqual([
        '2026-03-04T12:00:00.000Z', '2026-03-11T12:00:00.000Z', '2026-03-18T12:00:00.000Z', '2026-03-25T12:00:00.000Z', '2026-04-01T12:00:00.000Z',
      ]);
      expect(blocks.map((b) => b.sourceId)).not.toContain(master);
      await outlook.delete(master);
      await t.round(agentId);
      expect(await busyBlocks(t.db, agentId)).toEqual([]);
    });
  });

  describe('our events', () => {
    it('ignores the echo of our own writes: the RDV does not change and no busy block appears', async () => {
      const rdvId = await t.bookRdv('2026-03-09T09:00:00Z');
      await t.writeOurEvent(rdvId, agentId, '2026-03-09T09:00:00Z', '2026-03-09T09:30:00Z');
      await t.round(agentId);
      // The store moves the RDV; the outbound part writes the event (done here by hand, as it would).
      const agent = (await agentIdentityOf(t.db.pool, agentId))!;
      await moveRdv(t.db.pool, agent, rdvId, { startsAt: new Date('2026-03-09T10:00:00Z') }, NOW, 'api');
      const link = (await getEventLink(t.db.pool, rdvId, agentId))!;
      const written = await t.gateway.updateEvent(t.upn(agentId), link.eventId!, {
        subject: 'Consultation PMI', bodyText: 'Rendez-vous', location: 'Centre Nord', start: new Date('2026-03-09T10:00:00Z'), end: new Date('2026-03-09T10:30:00Z'),
      }, link.changeKey);
      await t.db.pool.query('update outlook_events set change_key = $3 where rdv_id = $1 and agent_id = $2', [rdvId, agentId, written.changeKey]);
      await t.db.pool.query('delete from sync_outbox');
      await t.round(agentId);
      const rdv = (await getRdv(t.db.pool, rdvId))!;
      expect(rdv.startsAt.toISOString()).toBe('2026-03-09T10:00:00.000Z');
      expect((await auditOf(rdvId)).map((a) => [a.action, a.channel])).toEqual([['created', 'api'], ['moved', 'api']]);
      expect(await busyBlocks(t.db, agentId)).toEqual([]);
      expect(await outboxPending(t.db.pool, rdvId, agentId)).toBe(false);
    });

    it('moves the RDV when the agent moves its event in Outlook to a free time, with an audit entry on the outlook channel', async () => {
      const rdvId = await t.bookRdv('2026-03-11T09:00:00Z');
      const ev = await t.writeOurEvent(rdvId, agentId, '2026-03-11T09:00:00Z', '2026-03-11T09:30:00Z');
      await outlook.update(ev.id, { start: utc('2026-03-11T13:00:00Z'), end: utc('2026-03-11T13:30:00Z') });
      await t.round(agentId);
      const rdv = (await getRdv(t.db.pool, rdvId))!;
      expect([rdv.startsAt.toISOString(), rdv.endsAt.toISOString()]).toEqual(['2026-03-11T13:00:00.000Z', '2026-03-11T13:30:00.000Z']);
      expect((await auditOf(rdvId)).at(-1)).toEqual({ action: 'moved', channel: 'outlook', actor_agent_id: agentId });
      // The link knows the event's current version, so the next write's If-Match holds.
      const current = t.emulator.control.userEvent(t.userA.id).get(ev.id, { immutableId: true })!;
      expect((await getEventLink(t.db.pool, rdvId, agentId))!.changeKey).toBe(current.changeKey);
      expect(await busyBlocks(t.db, agentId)).toEqual([]);
      expect(t.metrics.inbound.length).toBeGreaterThan(0);
    });

    it('refuses an event resized in Outlook to a length other than the motif\'s, and says so', async () => {
      const rdvId = await t.bookRdv('2026-03-12T09:00:00Z');
      const ev = await t.writeOurEvent(rdvId, agentId, '2026-03-12T09:00:00Z', '2026-03-12T09:30:00Z');
      await outlook.update(ev.id, { end: utc('2026-03-12T10:00:00Z') });
      await t.round(agentId);
      const rdv = (await getRdv(t.db.pool, rdvId))!;
      expect([rdv.startsAt.toISOString(), rdv.endsAt.toISOString()]).toEqual(['2026-03-12T09:00:00.000Z', '2026-03-12T09:30:00.000Z']);
      expect((await getEventLink(t.db.pool, rdvId, agentId))!.notice).toContain('La durée demandée ne correspond pas à celle du motif (30 min)');
      expect(await outboxPending(t.db.pool, rdvId, agentId)).toBe(true);
    });

    it('refuses a move outside the agent\'s opening hours: the RDV stays, the event is queued to be put back and the agent is told why', async () => {
      const rdvId = await t.bookRdv('2026-03-13T09:00:00Z');
      const ev = await t.writeOurEvent(rdvId, agentId, '2026-03-13T09:00:00Z', '2026-03-13T09:30:00Z');
      await outlook.update(ev.id, { start: utc('2026-03-13T19:00:00Z'), end: utc('2026-03-13T19:30:00Z') });
      await t.round(agentId);
      const rdv = (await getRdv(t.db.pool, rdvId))!;
      expect(rdv.startsAt.toISOString()).toBe('2026-03-13T09:00:00.000Z');
      expect((await auditOf(rdvId)).map((a) => a.action)).toEqual(['created']);
      const link = (await getEventLink(t.db.pool, rdvId, agentId))!;
      expect(link.notice).toMatch(/^Déplacement refusé dans Outlook : le créneau du vendredi 13 mars 2026 à 20:00 n'est pas disponible \(.+\)\. Le rendez-vous reste le vendredi 13 mars 2026 à 10:00/);
      expect(link.noticeAt).toEqual(NOW);
      // The outbound part must rewrite the event: a pending outbox row, no content hash to skip on, an If-Match that holds.
      expect(await outboxPending(t.db.pool, rdvId, agentId)).toBe(true);
      expect(link.contentHash).toBeNull();
      expect(link.changeKey).toBe(t.emulator.control.userEvent(t.userA.id).get(ev.id, { immutableId: true })!.changeKey);
      // Until it does, later rounds leave things as they are (no second notice, no move).
      await t.round(agentId);
      expect((await getEventLink(t.db.pool, rdvId, agentId))!.notice).toBe(link.notice);
    });

    it('follows a move that takes our event out of the sync window, when the new time is valid for the agent', async () => {
      const rdvId = await t.bookRdv('2026-03-13T13:00:00Z');
      const ev = await t.writeOurEvent(rdvId, agentId, '2026-03-13T13:00:00Z', '2026-03-13T13:30:00Z');
      await t.round(agentId);
      // The window ends on 1 September 2026: the delta reports the event as gone ("changed"), not as moved.
      await outlook.update(ev.id, { start: utc('2026-12-01T09:00:00Z'), end: utc('2026-12-01T09:30:00Z') });
      await t.round(agentId);
      expect((await getRdv(t.db.pool, rdvId))!.startsAt.toISOString()).toBe('2026-12-01T09:00:00.000Z');
      expect((await auditOf(rdvId)).at(-1)).toEqual({ action: 'moved', channel: 'outlook', actor_agent_id: agentId });
    });

    it('refuses a move onto another RDV of the agent', async () => {
      const other = await t.bookRdv('2026-03-16T14:00:00Z');
      const rdvId = await t.bookRdv('2026-03-16T09:00:00Z');
      const ev = await t.writeOurEvent(rdvId, agentId, '2026-03-16T09:00:00Z', '2026-03-16T09:30:00Z');
      await outlook.update(ev.id, { start: utc('2026-03-16T14:00:00Z'), end: utc('2026-03-16T14:30:00Z') });
      await t.round(agentId);
      expect((await getRdv(t.db.pool, rdvId))!.startsAt.toISOString()).toBe('2026-03-16T09:00:00.000Z');
      expect((await getEventLink(t.db.pool, rdvId, agentId))!.notice).toContain(`rendez-vous n° ${other}`);
      expect(await outboxPending(t.db.pool, rdvId, agentId)).toBe(true);
    });

    it('lets a store change still waiting to be written win over an edit of the same event in Outlook', async () => {
      const rdvId = await t.bookRdv('2026-03-16T10:00:00Z');
      const ev = await t.writeOurEvent(rdvId, agentId, '2026-03-16T10:00:00Z', '2026-03-16T10:30:00Z');
      await t.round(agentId);
      const agent = (await agentIdentityOf(t.db.pool, agentId))!;
      await moveRdv(t.db.pool, agent, rdvId, { startsAt: new Date('2026-03-16T11:00:00Z') }, NOW, 'api');
      await t.db.pool.query('insert into sync_outbox (rdv_id, agent_id) values ($1, $2) on conflict do nothing', [rdvId, agentId]);
      await outlook.update(ev.id, { start: utc('2026-03-16T12:00:00Z'), end: utc('2026-03-16T12:30:00Z') });
      await t.round(agentId);
      expect((await getRdv(t.db.pool, rdvId))!.startsAt.toISOString()).toBe('2026-03-16T11:00:00.000Z');
      expect((await auditOf(rdvId)).map((a) => a.channel)).toEqual(['api', 'api']);
      expect((await getEventLink(t.db.pool, rdvId, agentId))!.notice).toBeNull();
      await t.db.pool.query('delete from sync_outbox where rdv_id = $1', [rdvId]);
    });

    it('restores an event deleted in Outlook and flags the RDV by default, without touching the RDV', async () => {
      const rdvId = await t.bookRdv('2026-03-17T09:00:00Z');
      const ev = await t.writeOurEvent(rdvId, agentId, '2026-03-17T09:00:00Z', '2026-03-17T09:30:00Z');
      await t.round(agentId); // the round our own create's notification triggers
      await outlook.delete(ev.id);
      await t.round(agentId);
      const rdv = (await getRdv(t.db.pool, rdvId))!;
      expect(rdv.status).toBe('unknown');
      const link = (await getEventLink(t.db.pool, rdvId, agentId))!;
      expect(link).toMatchObject({ eventId: null, changeKey: null, contentHash: null, generation: 1 });
      expect(link.notice).toBe("Supprimé dans Outlook le lundi 2 mars 2026 à 09:00 : le rendez-vous est maintenu, l'événement a été recréé.");
      expect(await outboxPending(t.db.pool, rdvId, agentId)).toBe(true);
      expect((await auditOf(rdvId)).map((a) => a.action)).toEqual(['created']);
    });

    it('restores our event deleted in Outlook before any round saw it (its delta link never knew it), and only asks Graph about that one', async () => {
      const rdvId = await t.bookRdv('2026-03-17T14:00:00Z');
      const ev = await t.writeOurEvent(rdvId, agentId, '2026-03-17T14:00:00Z', '2026-03-17T14:30:00Z');
      // Its notification was lost, and the agent deleted it at once: the next round is not told of it at all.
      await outlook.delete(ev.id);
      t.emulator.control.clearRequestLog();
      await t.round(agentId);
      const link = (await getEventLink(t.db.pool, rdvId, agentId))!;
      expect(link).toMatchObject({ eventId: null, generation: 1 });
      expect(link.notice).toMatch(/^Supprimé dans Outlook le /);
      expect(await outboxPending(t.db.pool, rdvId, agentId)).toBe(true);
      const gets = t.emulator.control.requestLog({ userId: t.userA.id, kind: 'events.get' });
      expect(gets.map((g) => g.path.includes(encodeURIComponent(ev.id)) || g.path.includes(ev.id))).toEqual([true]);
      // The next round asks nothing more.
      t.emulator.control.clearRequestLog();
      await t.round(agentId);
      expect(t.emulator.control.requestLog({ userId: t.userA.id, kind: 'events.get' })).toEqual([]);
      await t.db.pool.query('delete from sync_outbox where rdv_id = $1', [rdvId]);
    });

    it('cancels the RDV (revoked, "Annulé depuis Outlook", channel outlook) when the territory chose cancel_and_notify', async () => {
      await t.db.pool.query(`update territories set outlook_deletion_policy = 'cancel_and_notify' where id = $1`, [t.w.territoryId]);
      try {
        const rdvId = await t.bookRdv('2026-03-18T09:00:00Z');
        const ev = await t.writeOurEvent(rdvId, agentId, '2026-03-18T09:00:00Z', '2026-03-18T09:30:00Z');
        await t.round(agentId);
        await outlook.delete(ev.id);
        await t.round(agentId);
        const rdv = (await getRdv(t.db.pool, rdvId))!;
        expect([rdv.status, rdv.cancelReason]).toEqual(['revoked', 'Annulé depuis Outlook']);
        expect((await auditOf(rdvId)).at(-1)).toEqual({ action: 'cancelled', channel: 'outlook', actor_agent_id: agentId });
        expect((await getEventLink(t.db.pool, rdvId, agentId))!.eventId).toBeNull();
      } finally {
        await t.db.pool.query(`update territories set outlook_deletion_policy = 'restore_and_flag' where id = $1`, [t.w.territoryId]);
      }
    });

    it('does not restore the event of a cancelled RDV that the outbound part deleted', async () => {
      const rdvId = await t.bookRdv('2026-03-19T09:00:00Z');
      const ev = await t.writeOurEvent(rdvId, agentId, '2026-03-19T09:00:00Z', '2026-03-19T09:30:00Z');
      await t.round(agentId);
      const agent = (await agentIdentityOf(t.db.pool, agentId))!;
      await cancelRdv(t.db.pool, agent, rdvId, { status: 'excused', reason: 'Empêchement' }, NOW, 'api');
      await t.gateway.deleteEvent(t.upn(agentId), ev.id);
      await t.round(agentId);
      const link = (await getEventLink(t.db.pool, rdvId, agentId))!;
      expect(link).toMatchObject({ eventId: null, generation: 0, notice: null });
      expect(await outboxPending(t.db.pool, rdvId, agentId)).toBe(false);
    });

    it('recognises by its RdvLink an event whose create answer was lost, and never makes it a busy block', async () => {
      const rdvId = await t.bookRdv('2026-03-20T09:00:00Z');
      const written = await t.gateway.createEvent(t.upn(agentId), {
        subject: 'Consultation PMI', bodyText: 'Rendez-vous', location: 'Centre Nord', start: new Date('2026-03-20T09:00:00Z'), end: new Date('2026-03-20T09:30:00Z'),
      }, `${rdvId}/${agentId}`, `rdv-${rdvId}-${agentId}-0`);
      await t.db.pool.query('insert into outlook_events (rdv_id, agent_id) values ($1, $2) on conflict do nothing', [rdvId, agentId]);
      await t.round(agentId);
      expect((await getEventLink(t.db.pool, rdvId, agentId))!.eventId).toBe(written.id);
      expect(await busyBlocks(t.db, agentId)).toEqual([]);
    });
  });
});

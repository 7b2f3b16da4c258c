/**
 * Availability API: free slots of a motif over a period (at most 3 months), and the earliest slot within
 * 6 months. Collective motifs list their upcoming collective RDVs with seats left instead.
 */
import { Router, type Request } from 'express';
import type { Logger } from 'pino';
import { DateTime } from 'luxon';
import { availabilityQuery, nextAvailabilityQuery } from '../../../../shared/src/schemas';
import { computeAvailability, nextAvailability, type BadRow } from '../../availability';
import { openCollectiveRdvs } from '../../data/availability';
import type { Pool } from '../../data/db';
import { getMotif } from '../../data/rdvs';
import { forbidden } from '../../errors';
import { parse } from '../errors';

export function availabilityRouter(pool: Pool, opts: { now: () => Date; logger?: Logger }): Router {
  const router = Router();
  // A stored row the engine cannot read is skipped, not fatal: operators learn which one to fix (ids only).
  const onBadRow = (row: BadRow) => opts.logger?.warn({ ...row }, 'availability: unreadable stored row skipped');

  async function motifFor(req: Request, motifId: number) {
    const motif = await getMotif(pool, motifId);
    if (!motif || !req.agent.roles.has(motif.organisationId)) throw forbidden('Motif introuvable ou inaccessible.');
    return motif;
  }

  router.get('/', async (req, res) => {
    const q = parse(availabilityQuery, req.query, 'query');
    const motif = await motifFor(req, q.motifId);
    const now = opts.now();
    if (motif.collective) {
      const from = DateTime.fromISO(q.from, { zone: motif.timeZone }).toJSDate();
      const to = DateTime.fromISO(q.to, { zone: motif.timeZone }).plus({ days: 1 }).toJSDate();
      res.json({ motifId: motif.id, collective: true, timeZone: motif.timeZone, collectiveRdvs: await openCollectiveRdvs(pool, { motifId: motif.id, lieuId: q.lieuId, from, to, now }) });
      return;
    }
    const result = await computeAvailability(pool, { motif, lieuId: q.lieuId, agentId: q.agentId, from: q.from, to: q.to, now, audience: 'agent', onBadRow });
    // Grouped by day, lieu and agent; a slot is its start (it lasts the motif's duration). Compact on purpose:
    // a département-wide search over six weeks holds thousands of slots.
    const days = result.days.map((d) => ({
      day: d.day,
      lieux: d.lieux.map((l) => ({
        lieuId: l.lieuId,
        agents: l.agents.map((a) => ({ agentId: a.agentId, starts: a.slots.map((x) => x.start.toISOString()) })),
      })),
    }));
    res.json({ motifId: motif.id, collective: false, timeZone: result.timeZone, durationMinutes: motif.durationMinutes, slotCount: result.slots.length, days });
  });

  router.get('/next', async (req, res) => {
    const q = parse(nextAvailabilityQuery, req.query, 'query');
    const motif = await motifFor(req, q.motifId);
    const now = opts.now();
    if (motif.collective) {
      const next = await openCollectiveRdvs(pool, { motifId: motif.id, lieuId: q.lieuId, from: now, to: DateTime.fromJSDate(now).plus({ months: 6 }).toJSDate(), now });
      res.json({ motifId: motif.id, collective: true, next: next[0] ?? null });
      return;
    }
    res.json({ motifId: motif.id, collective: false, next: await nextAvailability(pool, { motif, lieuId: q.lieuId, agentId: q.agentId, now, audience: 'agent', onBadRow }) });
  });

  return router;
}

/**
 * Receipts of the messages of an RDV, for the API: every attempt (channel, provider, status, segments, error)
 * and every message dropped with its reason, plus what is still scheduled. Ids only: no phone or address.
 */
import { SKIP_REASON_FR, type SkipReason } from '../../../shared/src/notifications';
import { selectJobsOfRdv, selectReceipts, type Queryable, type Receipt, type ScheduledJob } from './db';

export type ReceiptView = Receipt & { reasonLabel: string | null };

/** For GET /api/rdvs/:id: the receipts of an RDV, oldest first, with the reason in French. */
export async function listReceipts(db: Queryable, rdvId: number): Promise<ReceiptView[]> {
  const rows = await selectReceipts(db, rdvId);
  return rows.map((r) => ({ ...r, reasonLabel: r.reason ? (SKIP_REASON_FR[r.reason as SkipReason] ?? r.reason) : null }));
}

/** Messages planned for an RDV (pending, sent, dropped…), for the same view. */
export async function listScheduledMessages(db: Queryable, rdvId: number): Promise<ScheduledJob[]> {
  return selectJobsOfRdv(db, rdvId);
}

/**
 * In-transaction listeners for RDV changes. The RDV data layer calls `emitRdvChange` inside the transaction
 * that changes an RDV, so whatever a listener writes (reminder jobs, outbox rows for Outlook) commits or rolls
 * back together with the change itself: no change is ever lost or half-applied.
 * A transaction that loses a deadlock is run again from the start (see withTransaction in data/db.ts), so a
 * listener may be called more than once for one change: it must keep no state outside the transaction, and write
 * only after the RDV's row is locked (the lock order: RDV, agents, then what listeners write).
 */
import type { PoolClient } from 'pg';

export type RdvChangeKind =
  | 'created'
  | 'moved' // start/end changed
  | 'lieu_changed'
  | 'cancelled' // status became excused or revoked
  | 'status_changed' // any other status change (seen, noshow, back to unknown)
  | 'participants_changed';

export interface RdvChange {
  kind: RdvChangeKind;
  rdvId: number;
  /** When the change happened (the request's `now`). */
  at: Date;
  /** Values before the change, for moved / lieu_changed / cancelled. */
  previous?: { startsAt?: Date; endsAt?: Date; lieuId?: number | null; status?: string };
}

export type RdvChangeListener = (client: PoolClient, change: RdvChange) => Promise<void>;

const listeners: RdvChangeListener[] = [];

export function onRdvChange(listener: RdvChangeListener): () => void {
  listeners.push(listener);
  return () => {
    const i = listeners.indexOf(listener);
    if (i >= 0) listeners.splice(i, 1);
  };
}

export async function emitRdvChange(client: PoolClient, change: RdvChange): Promise<void> {
  for (const l of listeners) await l(client, change);
}

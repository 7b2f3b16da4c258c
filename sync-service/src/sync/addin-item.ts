/**
 * Outlook items opened in the add-in, and RDVs booked from an appointment being composed:
 *   - `resolveItem`: the RDV behind an event of the agent's own calendar (read from Graph, any id form), through
 *     the stored link or the event's RdvLink property;
 *   - `awaitAddinItem`: at booking (same transaction), the (RDV, agent) link waits for the add-in's item instead
 *     of having the outbound sync create an event, and the pane gets the text to fill the item with — the
 *     territory's privacy template, as the outbound sync writes it;
 *   - `adoptAddinItem`: the item becomes the RDV's event (its immutable id stored), and an outbound write brings
 *     it to our content, RdvLink and privacy fields. Used by the pane's report and by the inbound round when it
 *     sees the item (tagged with the add-in's custom property) first, and by the outbound drain when the grace
 *     period ends with neither (the item is looked for in the calendar before any event is created).
 */
import { ADDIN_LINK_NAME } from '../../../shared/src/sync/addin-item';
import { withTransaction, type Db, type Pool } from '../data/db';
import { deleteBusyBlocks, eventLinksByEventIds, getEventLink, getMailbox, saveEventLink } from '../data/sync';
import { conflict, DomainError, invalid } from '../errors';
import { desiredEventContent, rdvIdOfLink, rdvLinkValue } from './outbound';
import { queueOutbound } from './outbox';
import { GraphCallError, type CalendarGateway } from './graph';

/** What the pane writes into the appointment being composed. */
export interface ComposeFill {
  subject: string;
  location: string;
  start: Date;
  end: Date;
  /** Custom property name and value the pane sets on the item. */
  customProperty: { name: string; value: string };
}

/** Same answer for an event that is not ours and one the caller may not see: nothing leaks. */
export const notOurs = () => new DomainError(404, 'not_rdv_event', "Cet événement Outlook n'est pas un rendez-vous de RDV Outlook (ou vous n'y avez pas accès).");

export const syncOff = () => conflict('sync_off', "La synchronisation Outlook n'est pas activée sur ce service : le lien entre Outlook et les rendez-vous n'est pas disponible.");

/** The agent's connected mailbox, or a French refusal. */
async function connectedMailbox(db: Db, agentId: number): Promise<string> {
  const m = await getMailbox(db, agentId);
  if (m?.state !== 'connected') throw conflict('not_connected', "Votre agenda Outlook n'est pas connecté au service : demandez à un administrateur de le connecter.");
  return m.mailbox;
}

/** A Graph failure while serving an agent's request, in words (never a 500). */
function graphRefusal(err: unknown): unknown {
  if (!(err instanceof GraphCallError)) return err;
  if (err.kind === 'forbidden') return conflict('mailbox_refused', "Microsoft 365 refuse l'accès à votre agenda : un administrateur doit vérifier la stratégie d'accès de l'application de synchronisation.");
  if (err.kind === 'bad_request') return notOurs();
  return new DomainError(503, 'outlook_unavailable', 'Microsoft 365 ne répond pas pour le moment : réessayez dans quelques instants.');
}

/** The RDV id behind an event of the agent's calendar (any id form), or null. */
export async function resolveItem(pool: Pool, gateway: CalendarGateway, agentId: number, itemId: string): Promise<number | null> {
  const mailbox = await connectedMailbox(pool, agentId);
  const ev = await gateway.getEvent(mailbox, itemId).catch((err) => { throw graphRefusal(err); });
  if (!ev) return null;
  const [stored] = await eventLinksByEventIds(pool, agentId, [ev.id]);
  if (stored) return stored.rdvId;
  return rdvIdOfLink(ev.rdvLink);
}

/**
 * At booking from compose mode, in the booking's transaction: the caller's link waits for the add-in's item until
 * `now + graceMinutes`. Null (nothing waits) when the caller's calendar is not synced or the RDV is not theirs.
 */
export async function awaitAddinItem(db: Db, rdvId: number, agentId: number, now: Date, graceMinutes: number): Promise<ComposeFill | null> {
  const mailbox = await getMailbox(db, agentId);
  if (mailbox?.state !== 'connected') return null;
  const desired = await desiredEventContent(db, rdvId, agentId);
  if (!desired) return null;
  await saveEventLink(db, rdvId, agentId, { addinItemUntil: new Date(now.getTime() + graceMinutes * 60_000) });
  const { subject, location, start, end } = desired.content;
  return { subject, location, start, end, customProperty: { name: ADDIN_LINK_NAME, value: rdvLinkValue(rdvId, agentId) } };
}

/**
 * Makes the add-in's item the RDV's event and queues the write that makes it ours (content, RdvLink, privacy).
 * `addinItemUntil` stays: it marks the link as booked from compose mode, for the inbound round (a second item).
 */
export async function adoptAddinItem(pool: Pool, rdvId: number, agentId: number, eventId: string, changeKey: string | null): Promise<void> {
  await withTransaction(pool, async (c) => {
    await saveEventLink(c, rdvId, agentId, { eventId, changeKey, contentHash: null });
    await deleteBusyBlocks(c, agentId, [eventId]);
    await queueOutbound(c, [{ rdvId, agentId }]);
  });
}

/**
 * The pane's report of the item it saved. The item is read from the agent's own calendar (an item of another
 * mailbox is not found there) and must be at the RDV's times; a report that comes again is answered the same.
 */
export async function reportAddinItem(pool: Pool, gateway: CalendarGateway, agentId: number, rdvId: number, itemId: string): Promise<{ eventId: string }> {
  const mailbox = await connectedMailbox(pool, agentId);
  const link = await getEventLink(pool, rdvId, agentId);
  if (!link || (!link.addinItemUntil && !link.eventId)) {
    throw conflict('not_awaiting_item', "Ce rendez-vous n'a pas été pris depuis un rendez-vous Outlook en cours de rédaction : il n'attend pas d'élément Outlook.", undefined, 'rdvId');
  }
  const ev = await gateway.getEvent(mailbox, itemId).catch((err) => { throw graphRefusal(err); });
  if (!ev || ev.removed) throw invalid('itemId', "Élément Outlook introuvable dans votre calendrier : enregistrez le rendez-vous Outlook dans votre propre calendrier, puis réessayez.", 'item_not_found');
  if (link.eventId === ev.id) return { eventId: ev.id };
  if (link.eventId) {
    throw conflict('event_exists', "Le délai d'attente est dépassé : le service a déjà créé l'événement Outlook de ce rendez-vous. Supprimez l'élément en double.", undefined, 'itemId');
  }
  const rdv = await desiredEventContent(pool, rdvId, agentId);
  if (!rdv) throw conflict('rdv_cancelled', "Ce rendez-vous est annulé ou ne vous concerne plus : l'élément Outlook n'y est pas lié.", undefined, 'rdvId');
  if (ev.start?.getTime() !== rdv.content.start.getTime() || ev.end?.getTime() !== rdv.content.end.getTime()) {
    throw invalid('itemId', "L'élément Outlook ne correspond pas au rendez-vous : son début ou sa fin diffère. Remettez les horaires du rendez-vous puis réessayez.", 'item_mismatch');
  }
  if (ev.addinLink && ev.addinLink !== rdvLinkValue(rdvId, agentId)) {
    throw invalid('itemId', "L'élément Outlook est lié à un autre rendez-vous.", 'item_mismatch');
  }
  await adoptAddinItem(pool, rdvId, agentId, ev.id, ev.changeKey ?? null);
  return { eventId: ev.id };
}

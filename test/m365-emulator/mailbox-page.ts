/**
 * A small page per mailbox for the demo: one week of the calendar, each event with "Déplacer +1 h" and
 * "Supprimer" buttons that act as the user in Outlook (the same path as control.userEvent(…), so Graph's change
 * notifications leave as for any change made in Outlook). French, self-contained (no external resource).
 *   GET  /_emulator/mailboxes/<upn or id>[?semaine=YYYY-MM-DD]
 *   POST /_emulator/mailboxes/<upn or id>/events/<event id>/move   (+1 hour)
 *   POST /_emulator/mailboxes/<upn or id>/events/<event id>/delete
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DateTime } from 'luxon';
import type { EmulatorControl } from './control';
import { instanceId, instancesInWindow } from './events';
import { escapeHtml, send, sendJson } from './http-util';
import type { Store } from './store';
import { toIana } from './timezones';

const RDV_LINK = /name rdvlink$/i;
const DAY_NAMES = ['lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi', 'dimanche'];

export async function handleMailboxPage(store: Store, control: EmulatorControl, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  if (req.headers.authorization) {
    return sendJson(res, 403, { error: { code: 'Forbidden', message: 'The emulator control API does not accept bearer tokens.' } });
  }
  const [, , who, events, eventId, action] = url.pathname.split('/').slice(1).map(decodeURIComponent);
  const user = who ? store.findUser(who) : undefined;
  if (!user) return send(res, 404, page('Boîte introuvable', `<p>Aucune boîte aux lettres « ${escapeHtml(who ?? '')} » dans l'émulateur.</p>`), { 'Content-Type': 'text/html; charset=utf-8' });
  const m = req.method ?? 'GET';

  if (events === 'events' && eventId && m === 'POST') {
    const outlook = control.userEvent(user.id);
    const current = outlook.get(eventId);
    if (!current) return sendJson(res, 404, { error: { code: 'ErrorItemNotFound', message: `Aucun événement ${eventId}.` } });
    if (action === 'move') {
      const shift = (v: { dateTime: string }) => ({ dateTime: new Date(Date.parse(`${v.dateTime.slice(0, 23)}Z`) + 3600_000).toISOString().slice(0, 19), timeZone: 'UTC' });
      const moved = await outlook.update(eventId, { start: shift(current.start as { dateTime: string }), end: shift(current.end as { dateTime: string }) });
      return sendJson(res, 200, moved);
    }
    if (action === 'delete') {
      await outlook.delete(eventId);
      return send(res, 204, undefined);
    }
  }
  if (events || m !== 'GET') return sendJson(res, 404, { error: { code: 'NotFound', message: `Nothing at ${m} ${url.pathname}.` } });

  const zone = toIana(user.timeZone) ?? 'UTC';
  const asked = url.searchParams.get('semaine');
  const anchor = asked && DateTime.fromISO(asked, { zone }).isValid ? DateTime.fromISO(asked, { zone }) : DateTime.now().setZone(zone);
  const monday = anchor.startOf('week');
  const days = Array.from({ length: 7 }, (_, i) => monday.plus({ days: i }));
  const instances = instancesInWindow(store, user.id, monday.toMillis(), monday.plus({ weeks: 1 }).toMillis());
  const base = `/_emulator/mailboxes/${encodeURIComponent(user.userPrincipalName)}`;
  const hhmm = (ms: number) => DateTime.fromMillis(ms, { zone }).toFormat('HH:mm');

  const columns = days.map((day, i) => {
    const items = instances.filter((inst) => DateTime.fromMillis(inst.startMs, { zone }).hasSame(day, 'day'));
    const list = items.map((inst) => {
      const id = instanceId(inst, true);
      const ours = inst.ev.extendedProperties.some((p) => RDV_LINK.test(p.id));
      const subject = String(inst.fields.subject ?? '(sans objet)');
      const showAs = String(inst.fields.showAs ?? 'busy');
      return `<li class="${ours ? 'rdv' : ''}" data-event-id="${escapeHtml(id)}">
        <strong>${hhmm(inst.startMs)}–${hhmm(inst.endMs)}</strong> ${escapeHtml(subject)}
        <span class="tag">${ours ? 'RDV synchronisé' : escapeHtml(showAs)}</span>
        <span class="actions"><button type="button" data-action="move">Déplacer +1 h</button>
        <button type="button" data-action="delete">Supprimer</button></span></li>`;
    }).join('');
    return `<section><h2>${DAY_NAMES[i]} ${day.toFormat('dd/MM')}</h2>${list ? `<ul>${list}</ul>` : '<p class="empty">Rien de prévu</p>'}</section>`;
  }).join('');

  const body = `
<header><h1>Agenda Outlook de ${escapeHtml(user.displayName)}</h1>
<p>${escapeHtml(user.userPrincipalName)} — semaine du ${monday.toFormat('dd/MM/yyyy')} (heure de ${escapeHtml(zone)}).
Les boutons agissent comme l'agent dans Outlook : le service de synchronisation en est notifié.</p>
<nav><a href="${base}?semaine=${monday.minus({ weeks: 1 }).toISODate()}">← Semaine précédente</a>
<a href="${base}">Cette semaine</a>
<a href="${base}?semaine=${monday.plus({ weeks: 1 }).toISODate()}">Semaine suivante →</a></nav></header>
<main>${columns}</main>
<p role="status" id="status"></p>
<script>
document.addEventListener('click', async (e) => {
  const button = e.target.closest('button[data-action]');
  if (!button) return;
  const id = button.closest('li').dataset.eventId;
  const action = button.dataset.action;
  if (action === 'delete' && !confirm('Supprimer cet événement du calendrier ?')) return;
  button.disabled = true;
  const res = await fetch(${JSON.stringify(base)} + '/events/' + encodeURIComponent(id) + '/' + action, { method: 'POST' });
  document.getElementById('status').textContent = res.ok ? 'Fait : la page se recharge.' : 'Échec (' + res.status + ').';
  if (res.ok) location.reload(); else button.disabled = false;
});
</script>`;
  send(res, 200, page(`Agenda de ${user.displayName}`, body), { 'Content-Type': 'text/html; charset=utf-8' });
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} — émulateur Microsoft 365</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1rem; color: #1b1b1b; }
main { display: grid; grid-template-columns: repeat(auto-fit, minmax(11rem, 1fr)); gap: .5rem; }
section { border: 1px solid #c8c8c8; border-radius: 4px; padding: .4rem; }
h2 { font-size: 1rem; text-transform: capitalize; margin: 0 0 .4rem; }
ul { list-style: none; margin: 0; padding: 0; }
li { border-left: 4px solid #8a8886; padding: .3rem; margin-bottom: .4rem; background: #f3f2f1; }
li.rdv { border-left-color: #0f6cbd; }
.tag { display: block; font-size: .8rem; color: #484644; }
.actions { display: flex; gap: .3rem; margin-top: .3rem; }
button { font: inherit; font-size: .85rem; }
button:focus-visible, a:focus-visible { outline: 2px solid #0f6cbd; outline-offset: 2px; }
nav { display: flex; gap: 1rem; margin-bottom: 1rem; }
.empty { color: #605e5c; }
</style></head><body>${body}</body></html>`;
}

/** Slots grouped for display: by local day, then lieu, then agent (issue 3, "results grouped by day, lieu and agent"). */
import { clockFor, formatDay } from './local-time';
import type { Slot, SlotsOfDay } from './types';

/**
 * Groups slots by local day (ascending), then lieu (null — no lieu, e.g. phone — first, then ascending ids), then
 * agent (ascending ids); slots keep their order within an agent.
 */
export function groupSlotsByDay(slots: readonly Slot[], timeZone: string): SlotsOfDay[] {
  const clock = clockFor(timeZone);
  const byDay = new Map<number, Map<number | null, Map<number, Slot[]>>>();
  // Slots usually come sorted: remember the current day's bounds so most slots need no time-zone work.
  let dayStart = Infinity;
  let dayEnd = -Infinity;
  let day = 0;
  for (const slot of slots) {
    const t = slot.start.getTime();
    if (t < dayStart || t >= dayEnd) {
      day = clock.dayOf(t);
      dayStart = clock.toUtc(day, 0);
      dayEnd = clock.toUtc(day + 1, 0);
    }
    let lieux = byDay.get(day);
    if (lieux === undefined) byDay.set(day, (lieux = new Map()));
    let agents = lieux.get(slot.lieuId);
    if (agents === undefined) lieux.set(slot.lieuId, (agents = new Map()));
    let list = agents.get(slot.agentId);
    if (list === undefined) agents.set(slot.agentId, (list = []));
    list.push(slot);
  }
  const lieuOrder = (a: number | null, b: number | null) => (a === null ? (b === null ? 0 : -1) : b === null ? 1 : a - b);
  return [...byDay.keys()].sort((a, b) => a - b).map((d) => {
    const lieux = byDay.get(d)!;
    return {
      day: formatDay(d),
      lieux: [...lieux.keys()].sort(lieuOrder).map((lieuId) => {
        const agents = lieux.get(lieuId)!;
        return { lieuId, agents: [...agents.keys()].sort((a, b) => a - b).map((agentId) => ({ agentId, slots: agents.get(agentId)! })) };
      }),
    };
  });
}



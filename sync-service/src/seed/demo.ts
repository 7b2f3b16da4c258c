/**
 * Demo data: a realistic but fictional département (two MDS, PMI / CPEF / social service, 8 agents, 10 motifs,
 * plages, 300 usagers, 400 past RDVs and 40 upcoming ones), loaded by `npm start` on an empty database and by
 * `npm run seed`. Everything is drawn from a seeded generator, so the same `now` always gives the same data.
 *
 * The configuration (territory … feature switches) is inserted directly; the RDVs are not: their history is
 * replayed through the booking functions the API uses (create, cancel, set status), each event at its own
 * instant and by its own agent, so audit entries, reminder jobs and every other in-transaction listener look
 * as they would in a service that had lived those eight weeks. The plan is made with the availability engine
 * itself, simulating the same history, so it only holds bookings the engine accepts at the time they are made.
 *
 * Callers register the in-transaction listeners first (reminder scheduling), as any process that changes RDVs.
 */
import { DateTime } from 'luxon';
import type { AgentRole, BookableBy, IsoWeekday, LocationType, MotifVisibility, Recurrence, RdvStatus } from '../../../shared/src/domain';
import type { RdvCreate } from '../../../shared/src/schemas';
import { withTransaction, type Client, type Pool } from '../data/db';
import { findAgentForToken, type AgentIdentity } from '../data/agents';
import { poolOverTransaction } from '../data/transaction-pool';
import { cancelRdv, createRdv, setRdvStatus } from '../booking';
import {
  compileOccurrences, computeSlots, publicHolidays, type AbsenceInput, type AvailabilityQuery, type PlageInput, type RdvInput,
} from '../../../shared/src/availability';
import { parseDay } from '../../../shared/src/availability/local-time';
import {
  COMMUNES_BY_ORGANISATION, EXCUSED_REASONS, FEMALE_FIRST_NAMES, LAST_NAMES, MALE_FIRST_NAMES, RDV_CONTEXTS,
  REVOKED_REASONS, STREETS,
} from './names';
import { seededRandom, type Random } from './prng';

const ZONE = 'Europe/Paris';
/** Any constant works; changing it changes every generated name and time. */
const SEED = 0x86_2026;
/** Key of the advisory lock taken while seeding, so two instances starting on an empty database seed once. */
const SEED_LOCK_KEY = 7_340_221_086;

const USAGER_COUNT = 300;
const PAST_RDV_COUNT = 400;
const UPCOMING_RDV_COUNT = 40;
const WEEKS_BACK = 8;
const WEEKS_AHEAD = 8;
const UPCOMING_DAYS = 14;

type ServiceKey = 'PMI' | 'CPEF' | 'SS';
const SERVICES: { key: ServiceKey; name: string }[] = [
  { key: 'PMI', name: 'Protection maternelle et infantile' },
  { key: 'CPEF', name: "Centre de planification et d'éducation familiale" },
  { key: 'SS', name: 'Service social départemental' },
];

const ORGANISATIONS = [
  {
    name: 'Maison départementale des solidarités de Châtellerault',
    phone: '05 36 49 10 00',
    email: 'mds-chatellerault@demo.rdv-outlook.fr',
    address: '12 rue de l’Exemple, 86100 Châtellerault',
  },
  {
    name: 'Maison départementale des solidarités de Poitiers Sud',
    phone: '05 36 49 20 00',
    email: 'mds-poitiers-sud@demo.rdv-outlook.fr',
    address: '25 avenue de la Démonstration, 86000 Poitiers',
  },
];

const LIEUX: { organisation: number; name: string; address: string; phone: string; availability: 'enabled' | 'disabled' }[] = [
  { organisation: 0, name: 'MDS Châtellerault – site principal', address: '12 rue de l’Exemple, 86100 Châtellerault', phone: '05 36 49 10 10', availability: 'enabled' },
  { organisation: 0, name: 'Antenne de Lencloître', address: '3 place de la Mairie-Fictive, 86140 Lencloître', phone: '05 36 49 10 30', availability: 'enabled' },
  { organisation: 1, name: 'MDS Poitiers Sud – Trois-Cités', address: '25 avenue de la Démonstration, 86000 Poitiers', phone: '05 36 49 20 10', availability: 'enabled' },
  { organisation: 1, name: 'Centre de planification de Saint-Benoît', address: '7 allée des Essais, 86280 Saint-Benoît', phone: '05 36 49 20 40', availability: 'enabled' },
  { organisation: 1, name: 'Ancienne antenne de Ligugé', address: '1 rue du Prototype, 86240 Ligugé', phone: '05 36 49 20 60', availability: 'disabled' },
];

export interface DemoAgent {
  firstName: string;
  lastName: string;
  /** prenom.nom@demo.rdv-outlook.fr, lowercase ASCII: also the agent's Outlook mailbox in the demo tenant. */
  email: string;
  /** Index into the two demo organisations (0 = Châtellerault, 1 = Poitiers Sud). */
  organisationIndex: 0 | 1;
  role: AgentRole;
  services: ServiceKey[];
  jobTitle: string;
}

/** Lowercase ASCII form of a name for an email local part: "Amélie" → "amelie", "Da Silva" → "da-silva". */
export function emailPart(name: string): string {
  return name.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

function demoAgent(firstName: string, lastName: string, organisationIndex: 0 | 1, role: AgentRole, services: ServiceKey[], jobTitle: string): DemoAgent {
  return { firstName, lastName, email: `${emailPart(firstName)}.${emailPart(lastName)}@demo.rdv-outlook.fr`, organisationIndex, role, services, jobTitle };
}

/** The demo's agents, in insertion order (an Outlook emulator can create one mailbox per entry). */
export const DEMO_AGENTS: readonly DemoAgent[] = [
  demoAgent('Claire', 'Morand', 0, 'admin', ['PMI'], 'Médecin de PMI'),
  demoAgent('Julien', 'Berthelot', 0, 'basic', ['SS'], 'Assistant de service social'),
  demoAgent('Sophie', 'Lacombe', 0, 'basic', ['PMI'], 'Puéricultrice'),
  demoAgent('Nadia', 'Benali', 0, 'intervenant', ['CPEF'], 'Conseillère conjugale et familiale'),
  demoAgent('Isabelle', 'Guérin', 1, 'admin', ['SS'], 'Responsable de l’action sociale'),
  demoAgent('Thomas', 'Rivière', 1, 'basic', ['PMI'], 'Médecin de PMI'),
  demoAgent('Amélie', 'Fontaine', 1, 'basic', ['CPEF'], 'Conseillère conjugale et familiale'),
  demoAgent('Karim', 'Delmas', 1, 'intervenant', ['SS'], 'Assistant de service social'),
];

interface MotifSeed {
  organisation: 0 | 1;
  service: ServiceKey;
  name: string;
  color: string;
  duration: number;
  buffer: number;
  location: LocationType;
  bookableBy: BookableBy;
  minDelay: number;
  maxDelay: number;
  reminders: boolean;
  visibility: MotifVisibility;
  capacity: number | null;
  /** Who the RDVs of the demo are for. */
  audience: 'babies' | 'young_children' | 'cpef' | 'adults';
}

const motif = (m: Partial<MotifSeed> & Pick<MotifSeed, 'organisation' | 'service' | 'name' | 'color' | 'duration' | 'location' | 'audience'>): MotifSeed => ({
  buffer: 0, bookableBy: 'agents', minDelay: 30, maxDelay: 129_600, reminders: true, visibility: 'visible_and_notified', capacity: null, ...m,
});

const MOTIFS: MotifSeed[] = [
  motif({ organisation: 0, service: 'PMI', name: 'Consultation pédiatrique', color: '#2e7d32', duration: 30, location: 'public_office', audience: 'young_children' }),
  motif({ organisation: 0, service: 'PMI', name: 'Pesée et conseils puériculture', color: '#66bb6a', duration: 20, location: 'public_office', bookableBy: 'everyone', minDelay: 120, audience: 'babies' }),
  motif({ organisation: 0, service: 'PMI', name: 'Visite à domicile post-natale', color: '#9ccc65', duration: 60, buffer: 30, location: 'home', minDelay: 1440, audience: 'babies' }),
  // CPEF: a message about the RDV could be read by a relative on the usager's phone, so nothing is sent.
  motif({ organisation: 0, service: 'CPEF', name: 'Entretien contraception', color: '#8e24aa', duration: 30, location: 'public_office', bookableBy: 'everyone', minDelay: 120, reminders: false, visibility: 'visible_and_not_notified', audience: 'cpef' }),
  motif({ organisation: 0, service: 'SS', name: 'Permanence téléphonique assistante sociale', color: '#1565c0', duration: 20, location: 'phone', audience: 'adults' }),
  motif({ organisation: 1, service: 'PMI', name: 'Atelier massage bébé', color: '#ffb300', duration: 60, buffer: 15, location: 'public_office', bookableBy: 'everyone', minDelay: 1440, capacity: 8, audience: 'babies' }),
  motif({ organisation: 1, service: 'PMI', name: 'Consultation pédiatrique', color: '#2e7d32', duration: 30, location: 'public_office', audience: 'young_children' }),
  motif({ organisation: 1, service: 'CPEF', name: 'Entretien de conseil conjugal et familial (visio)', color: '#ab47bc', duration: 45, location: 'visio', bookableBy: 'agents_and_prescripteurs', reminders: false, visibility: 'visible_and_not_notified', audience: 'cpef' }),
  motif({ organisation: 1, service: 'SS', name: 'Premier accueil social', color: '#1e88e5', duration: 45, buffer: 15, location: 'public_office', bookableBy: 'agents_and_prescripteurs', audience: 'adults' }),
  motif({ organisation: 1, service: 'SS', name: 'Accompagnement budgétaire à domicile', color: '#42a5f5', duration: 60, buffer: 20, location: 'home', minDelay: 2880, audience: 'adults' }),
];

type Window = [start: string, end: string];
interface PlageSeed { agent: number; lieu: number; motifs: number[]; title: string; weekdays: IsoWeekday[]; interval: number; windows: [Window] | [Window, Window]; bufferOverride?: number }

// Weekly plages; an agent's plages never overlap one another (so neither do the RDVs cut from them).
const PLAGES: PlageSeed[] = [
  { agent: 0, lieu: 0, motifs: [0, 1], title: 'Consultations PMI', weekdays: [1, 2, 4], interval: 1, windows: [['09:00', '12:00'], ['13:30', '16:30']] },
  { agent: 1, lieu: 0, motifs: [4], title: 'Permanence téléphonique', weekdays: [1, 3, 5], interval: 1, windows: [['09:00', '12:00']] },
  { agent: 1, lieu: 0, motifs: [4], title: 'Permanence téléphonique (après-midi)', weekdays: [2, 4], interval: 2, windows: [['14:00', '16:00']] },
  { agent: 2, lieu: 1, motifs: [1], title: 'Pesées à Lencloître', weekdays: [2, 5], interval: 1, windows: [['09:00', '12:30']] },
  { agent: 2, lieu: 0, motifs: [2], title: 'Visites à domicile', weekdays: [1, 3, 4], interval: 1, windows: [['13:30', '17:00']] },
  { agent: 3, lieu: 0, motifs: [3], title: 'Entretiens CPEF', weekdays: [3], interval: 1, windows: [['13:30', '17:30']] },
  { agent: 3, lieu: 1, motifs: [3], title: 'Entretiens CPEF à Lencloître', weekdays: [1], interval: 2, windows: [['09:00', '12:00']] },
  { agent: 4, lieu: 2, motifs: [8], title: 'Accueil social', weekdays: [1, 3, 5], interval: 1, windows: [['09:00', '12:00']] },
  { agent: 4, lieu: 2, motifs: [9], title: 'Visites budget', weekdays: [2], interval: 2, windows: [['14:00', '17:00']] },
  { agent: 5, lieu: 2, motifs: [6], title: 'Consultations PMI', weekdays: [1, 2, 4, 5], interval: 1, windows: [['09:00', '12:00'], ['14:00', '16:30']], bufferOverride: 5 },
  { agent: 5, lieu: 2, motifs: [5], title: 'Atelier massage bébé', weekdays: [3], interval: 2, windows: [['10:00', '11:00']] },
  { agent: 6, lieu: 3, motifs: [7], title: 'Entretiens en visio', weekdays: [2, 4], interval: 1, windows: [['09:00', '12:00'], ['13:30', '17:00']] },
  { agent: 7, lieu: 2, motifs: [8, 9], title: 'Accueil et visites', weekdays: [1, 2, 3, 4], interval: 1, windows: [['13:30', '17:00']] },
  { agent: 7, lieu: 2, motifs: [8], title: 'Accueil social (vendredi)', weekdays: [5], interval: 2, windows: [['09:00', '12:00']] },
];

interface AbsenceSeed { agent: number; title: string; firstDay: string; startTime: string; endDay: string; endTime: string; recurrence: Recurrence | null }

export interface SeedResult { seeded: boolean; counts: Record<string, number> }

interface UsagerSeed {
  firstName: string; lastName: string; birthName: string | null; birthDate: string; female: boolean;
  phone: string | null; email: string | null; address: string; communeCode: string;
  notifyBySms: boolean; notifyByEmail: boolean; responsible: number | null; organisation: 0 | 1; ageDays: number;
}

/** A stretch of a plage on one day: a window of its occurrence (index into the plage's windows). */
interface Slot { agent: number; plage: number; window: number; motif: number; start: DateTime; end: DateTime }

interface RdvSeed {
  slot: Slot; status: RdvStatus;
  /** Usager indices; every participant ends with the RDV's status (see `planDemo`). */
  participants: number[];
  createdAt: DateTime; cancelledAt: DateTime | null; cancelReason: string | null; context: string | null; createdBy: number;
}

/** One step of the RDVs' history, replayed through the booking functions in this order. */
interface SeedEvent { kind: 'book' | 'cancel' | 'mark'; at: DateTime; rdv: number }

/**
 * The booking channel recorded on the demo's RDVs and audit entries. The API's schema does not offer it to
 * clients (they say `addin` or `api`); the store accepts it, and it keeps the demo's history apart from real use.
 */
const SEED_CHANNEL = 'seed' as RdvCreate['channel'];

/**
 * Loads the demo département unless the database already holds a territory. One transaction: all or nothing,
 * so a crash halfway leaves an empty store and the next start seeds again from the beginning.
 */
export async function seedDemo(pool: Pool, opts: { now: Date; log?: (msg: string) => void }): Promise<SeedResult> {
  const log = opts.log ?? (() => {});
  return withTransaction(pool, async (db) => {
    await db.query('select pg_advisory_xact_lock($1)', [SEED_LOCK_KEY]);
    const { rows } = await db.query('select exists (select 1 from territories) as present');
    if (rows[0].present) {
      log('demo data: the database already has a territory, nothing seeded');
      return { seeded: false, counts: {} };
    }
    const plan = planDemo(opts.now);
    log(`demo data: inserting the configuration and ${plan.usagers.length} usagers`);
    const { ids, counts } = await insertConfiguration(db, plan);
    log(`demo data: booking ${plan.rdvs.length} RDVs through the booking path (${plan.events.length} events)`);
    await replayHistory(poolOverTransaction(db), plan, ids, log);
    Object.assign(counts, {
      rdvs: plan.rdvs.length,
      past_rdvs: plan.pastCount,
      upcoming_rdvs: plan.rdvs.length - plan.pastCount,
      participations: plan.rdvs.reduce((n, r) => n + r.participants.length, 0),
      rdv_events: plan.events.length,
    });
    log(`demo data: done (${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ')})`);
    return { seeded: true, counts };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Planning: pure, from `now` and the seeded generator.

interface DemoPlan {
  plageFirstDay: string;
  until: string;
  absences: AbsenceSeed[];
  usagers: UsagerSeed[];
  rdvs: RdvSeed[];
  events: SeedEvent[];
  pastCount: number;
}

/** Calendar arithmetic on local dates ('YYYY-MM-DD'), free of any time zone. */
const day = (iso: string): DateTime => DateTime.fromISO(iso, { zone: 'UTC' });
const isoDay = (d: DateTime): string => d.toISODate()!;
const localInstant = (date: string, time: string): DateTime => DateTime.fromISO(`${date}T${time}`, { zone: ZONE });
const minutesOf = (time: string): number => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
const timeOf = (minutes: number): string => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** Whether a recurrence (weekly, or monthly on the n-th weekday / day of month) has an occurrence on `date`. */
/** Whether a recurrence occurs on a date: the availability engine's own rule, so demo RDVs always fall in plages. */
function occursOn(rec: Recurrence, firstDay: string, date: string): boolean {
  return compileOccurrences(firstDay, rec, 'seed').occursOn(parseDay(date, 'seed'));
}

function planAbsences(monday: string, plageFirstDay: string, until: string): AbsenceSeed[] {
  const week = (n: number, weekday: number) => isoDay(day(monday).plus({ weeks: n, days: weekday - 1 }));
  const firstMonth = day(plageFirstDay).startOf('month');
  const firstThursday = firstMonth.plus({ days: (4 - firstMonth.weekday + 7) % 7 });
  return [
    { agent: 0, title: 'Congés', firstDay: week(-3, 1), startTime: '00:00', endDay: week(-3, 5), endTime: '23:59', recurrence: null },
    { agent: 0, title: 'Réunion de service PMI', firstDay: isoDay(firstThursday), startTime: '09:00', endDay: isoDay(firstThursday), endTime: '10:00', recurrence: { frequency: 'monthly', interval: 1, monthlyMode: 'nth_weekday', until } },
    { agent: 7, title: 'Réunion d’équipe', firstDay: week(-WEEKS_BACK, 2), startTime: '14:00', endDay: week(-WEEKS_BACK, 2), endTime: '15:00', recurrence: { frequency: 'weekly', interval: 2, weekdays: [2], until } },
    { agent: 6, title: 'Formation continue', firstDay: week(1, 4), startTime: '09:00', endDay: week(1, 4), endTime: '17:00', recurrence: null },
    { agent: 4, title: 'Congés', firstDay: week(2, 1), startTime: '00:00', endDay: week(2, 3), endTime: '23:59', recurrence: null },
  ];
}

/** The intervals (epoch ms) during which each agent is absent, between two local dates. */
function absenceIntervals(absences: AbsenceSeed[], from: string, to: string): Map<number, [number, number][]> {
  const byAgent = new Map<number, [number, number][]>();
  const add = (agent: number, a: DateTime, b: DateTime) => {
    const list = byAgent.get(agent) ?? [];
    list.push([a.toMillis(), b.toMillis()]);
    byAgent.set(agent, list);
  };
  for (const abs of absences) {
    if (!abs.recurrence) {
      add(abs.agent, localInstant(abs.firstDay, abs.startTime), localInstant(abs.endDay, abs.endTime));
      continue;
    }
    for (let d = day(from); isoDay(d) <= to; d = d.plus({ days: 1 })) {
      if (occursOn(abs.recurrence, abs.firstDay, isoDay(d))) add(abs.agent, localInstant(isoDay(d), abs.startTime), localInstant(isoDay(d), abs.endTime));
    }
  }
  return byAgent;
}

/** The demo territory (Vienne, 86) closes on every national public holiday, Whit Monday included. */
const DEMO_TERRITORY_HOLIDAYS = { timeZone: 'Europe/Paris', departementCode: '86', whitMondayIsHoliday: true, worksOnPublicHolidays: false };

/**
 * Cuts every plage occurrence into consecutive RDV-sized candidates (motif duration, then its buffer, sometimes a
 * gap). These are wishes, spread like real demand: the history simulation (`simulateHistory`) books each one at
 * the slot the engine offers in that window at booking time, the wished start when it is offered.
 */
function candidateSlots(rng: Random, from: string, to: string, absences: Map<number, [number, number][]>, plageFirstDay: string, until: string): Slot[] {
  const holidays = new Set<string>();
  for (let y = day(from).year; y <= day(to).year; y++) {
    for (const h of publicHolidays(y, DEMO_TERRITORY_HOLIDAYS)) holidays.add(h.date);
  }
  const slots: Slot[] = [];
  for (let d = day(from); isoDay(d) <= to; d = d.plus({ days: 1 })) {
    const date = isoDay(d);
    if (holidays.has(date)) continue;
    PLAGES.forEach((p, plageIndex) => {
      if (!occursOn({ frequency: 'weekly', interval: p.interval, weekdays: p.weekdays, until }, plageFirstDay, date)) return;
      p.windows.forEach(([ws, we], window) => {
        let cursor = minutesOf(ws);
        const windowEnd = minutesOf(we);
        for (;;) {
          const motifIndex = rng.pick(p.motifs);
          const m = MOTIFS[motifIndex];
          if (cursor + m.duration > windowEnd) break;
          const start = localInstant(date, timeOf(cursor));
          const end = localInstant(date, timeOf(cursor + m.duration));
          const blocked = (absences.get(p.agent) ?? []).some(([a, b]) => a < end.toMillis() && start.toMillis() < b);
          if (!blocked) slots.push({ agent: p.agent, plage: plageIndex, window, motif: motifIndex, start, end });
          cursor += m.duration + (p.bufferOverride ?? m.buffer) + (rng.chance(0.15) ? 15 : 0);
        }
      });
    });
  }
  return slots;
}

function planUsagers(rng: Random, now: DateTime): UsagerSeed[] {
  const usagers: UsagerSeed[] = [];
  const emails = new Set<string>();
  let phoneCounter = 0;
  const contact = (first: string, last: string) => {
    // 06 39 98 xx xx is the range ARCEP reserves for fiction: these numbers reach nobody.
    const phone = rng.chance(0.9) ? `+3363998${String(phoneCounter++).padStart(4, '0')}` : null;
    let email: string | null = null;
    if (rng.chance(0.7)) {
      const base = `${emailPart(first)}.${emailPart(last)}`;
      let candidate = `${base}@example.fr`;
      for (let n = 2; emails.has(candidate); n++) candidate = `${base}${n}@example.fr`;
      emails.add(candidate);
      email = candidate;
    }
    return { phone, email, notifyBySms: phone !== null && rng.chance(0.9), notifyByEmail: email !== null && rng.chance(0.8) };
  };
  const birth = (ageDays: number) => isoDay(now.minus({ days: ageDays }));

  while (usagers.length < USAGER_COUNT) {
    const organisation = rng.chance(0.5) ? 0 : 1;
    const commune = rng.pick(COMMUNES_BY_ORGANISATION[organisation]);
    const address = `${rng.int(1, 140)} ${rng.pick(STREETS)}, ${commune.postalCode} ${commune.name}`;
    const lastName = rng.pick(LAST_NAMES);
    const r = rng.next();
    const ageYears = r < 0.08 ? rng.int(15, 19) : r < 0.65 ? rng.int(20, 40) : r < 0.88 ? rng.int(41, 60) : rng.int(61, 88);
    const female = rng.chance(0.65);
    const hasPartner = ageYears >= 20 && ageYears <= 65 && rng.chance(0.35);
    const household = { address, communeCode: commune.inseeCode, organisation: organisation as 0 | 1 };

    const firstName = rng.pick(female ? FEMALE_FIRST_NAMES : MALE_FIRST_NAMES);
    const birthName = female && hasPartner && rng.chance(0.4) ? rng.pick(LAST_NAMES) : null;
    const adultAge = ageYears * 365 + rng.int(0, 364);
    const parent = usagers.length;
    usagers.push({ firstName, lastName, birthName: birthName === lastName ? null : birthName, birthDate: birth(adultAge), female, ...contact(firstName, lastName), ...household, responsible: null, ageDays: adultAge });

    if (hasPartner && usagers.length < USAGER_COUNT) {
      const partnerFemale = rng.chance(0.1) ? female : !female;
      const partnerFirst = rng.pick(partnerFemale ? FEMALE_FIRST_NAMES : MALE_FIRST_NAMES);
      const partnerAge = Math.max(18, ageYears + rng.int(-4, 5)) * 365 + rng.int(0, 364);
      usagers.push({ firstName: partnerFirst, lastName, birthName: null, birthDate: birth(partnerAge), female: partnerFemale, ...contact(partnerFirst, lastName), ...household, responsible: null, ageDays: partnerAge });
    }
    if (ageYears >= 20 && ageYears <= 44) {
      const c = rng.next();
      const children = c < 0.3 ? 0 : c < 0.6 ? 1 : c < 0.85 ? 2 : 3;
      for (let i = 0; i < children && usagers.length < USAGER_COUNT; i++) {
        const childFemale = rng.chance(0.5);
        const childFirst = rng.pick(childFemale ? FEMALE_FIRST_NAMES : MALE_FIRST_NAMES);
        // Skewed towards the very young: PMI follows children under six.
        const ageDays = Math.floor(rng.next() ** 2 * Math.min(ageYears - 18, 14) * 365) + 10;
        usagers.push({
          firstName: childFirst, lastName, birthName: null, birthDate: birth(ageDays), female: childFemale,
          phone: null, email: null, notifyBySms: true, notifyByEmail: true, ...household, responsible: parent, ageDays,
        });
      }
    }
  }
  return usagers;
}

/** Which usagers a motif is for: babies for the massage workshop, young children for PMI, adults otherwise. */
function poolsFor(usagers: UsagerSeed[]) {
  const index = usagers.map((u, i) => ({ u, i }));
  const of = (org: number, keep: (u: UsagerSeed) => boolean) => index.filter(({ u }) => u.organisation === org && keep(u)).map(({ i }) => i);
  const pools = [0, 1].map((org) => ({
    babies: of(org, (u) => u.responsible !== null && u.ageDays < 2 * 365),
    young_children: of(org, (u) => u.responsible !== null && u.ageDays < 6 * 365),
    cpef: of(org, (u) => u.responsible === null && u.ageDays < 45 * 365 && (u.female || u.ageDays < 25 * 365)),
    adults: of(org, (u) => u.responsible === null),
  }));
  return (motifIndex: number): number[] => {
    const m = MOTIFS[motifIndex];
    const p = pools[m.organisation];
    const choice = p[m.audience];
    return choice.length > 0 ? choice : p.adults;
  };
}

/** 70 % seen, 12 % no-show, 10 % excused, 5 % revoked, the rest not yet marked. */
function pastStatuses(rng: Random, n: number): RdvStatus[] {
  const counts: [RdvStatus, number][] = [['noshow', Math.round(n * 0.12)], ['excused', Math.round(n * 0.1)], ['revoked', Math.round(n * 0.05)], ['unknown', Math.round(n * 0.03)]];
  const list: RdvStatus[] = counts.flatMap(([s, c]) => Array<RdvStatus>(c).fill(s));
  while (list.length < n) list.push('seen');
  return rng.shuffle(list);
}

/** A booking the history will make: a wished slot (its window), and who, when and for whom. */
interface Wish {
  slot: Slot; status: RdvStatus; participants: number[]; createdAt: DateTime; context: string | null; createdBy: number;
  /** Where the booked slot must fall: over within the past 8 weeks, or starting within the upcoming two weeks. */
  range: { from: DateTime; endBy?: DateTime; startBefore?: DateTime };
}

function planDemo(nowDate: Date): DemoPlan {
  const now = DateTime.fromJSDate(nowDate, { zone: ZONE });
  if (!now.isValid) throw new Error('demo data: `now` is not a valid date');
  const today = now.toISODate()!;
  const monday = now.startOf('week').toISODate()!;
  const plageFirstDay = isoDay(day(monday).minus({ weeks: WEEKS_BACK }));
  const until = isoDay(day(today).plus({ weeks: WEEKS_AHEAD }));
  const people = seededRandom(SEED);
  const agenda = seededRandom(SEED + 1);

  const absences = planAbsences(monday, plageFirstDay, until);
  const usagers = planUsagers(people, now);
  const poolOf = poolsFor(usagers);
  const lastSlotDay = isoDay(day(today).plus({ days: UPCOMING_DAYS }));
  const slots = candidateSlots(agenda, plageFirstDay, lastSlotDay, absenceIntervals(absences, plageFirstDay, lastSlotDay), plageFirstDay, until);

  const pastRange = { from: now.minus({ weeks: WEEKS_BACK }), endBy: now };
  const upcomingRange = { from: now.plus({ hours: 2 }), startBefore: now.plus({ days: UPCOMING_DAYS }) };
  const past = slots.filter((s) => s.start >= pastRange.from && s.end <= pastRange.endBy);
  const upcoming = slots.filter((s) => s.start >= upcomingRange.from && s.start < upcomingRange.startBefore);
  const isCollective = (s: Slot) => MOTIFS[s.motif].capacity !== null;
  // Every workshop session is kept (there are few), then individual RDVs fill up to the target.
  const pickSlots = (from: Slot[], n: number) => {
    const chosen = [...from.filter(isCollective), ...agenda.shuffle(from.filter((s) => !isCollective(s)))].slice(0, n);
    if (chosen.length < n) throw new Error(`demo data: only ${chosen.length} free slots for ${n} RDVs; widen the plages`);
    return chosen.sort((a, b) => a.start.toMillis() - b.start.toMillis() || a.agent - b.agent);
  };
  const pastSlots = pickSlots(past, PAST_RDV_COUNT);
  const upcomingSlots = pickSlots(upcoming, UPCOMING_RDV_COUNT);
  const statuses = pastStatuses(agenda, pastSlots.length);

  const agentsOf = (org: number) => DEMO_AGENTS.map((a, i) => ({ a, i })).filter(({ a }) => a.organisationIndex === org).map(({ i }) => i);
  const wishes: Wish[] = [
    ...pastSlots.map((s, i) => ({ s, status: statuses[i], range: pastRange })),
    ...upcomingSlots.map((s) => ({ s, status: 'unknown' as RdvStatus, range: upcomingRange })),
  ].map(({ s, status: drawn, range }) => {
    const m = MOTIFS[s.motif];
    const collective = m.capacity !== null;
    // A workshop is not "excused" as a whole: usagers excuse themselves one by one.
    const status: RdvStatus = collective && drawn === 'excused' ? 'seen' : drawn;
    const pool = poolOf(s.motif);
    // Every participant ends with the RDV's status: the API has no per-participant status, so neither has the demo.
    const participants = collective ? agenda.shuffle(pool).slice(0, Math.min(agenda.int(3, 7), m.capacity!)) : [agenda.pick(pool)];
    const isPast = s.end <= now;
    // Booked before the window opens, so the engine's grid of that window is not shifted by "now".
    const windowStart = localInstant(isoDay(s.start), PLAGES[s.plage].windows[s.window][0]);
    const createdAt = isPast
      ? s.start.minus({ days: agenda.int(1, 21), hours: agenda.int(0, 8) })
      : DateTime.min(now.minus({ days: agenda.int(0, 10), hours: agenda.int(1, 8) }), windowStart.minus({ hours: 1 }));
    const colleagues = agentsOf(m.organisation);
    return {
      slot: s, status, participants, createdAt, range,
      context: agenda.chance(0.12) ? agenda.pick(RDV_CONTEXTS) : null,
      createdBy: agenda.chance(0.6) ? s.agent : agenda.pick(colleagues),
    };
  });
  const { rdvs, events } = simulateHistory(agenda, wishes, { absences, plageFirstDay, until, lastSlotDay });
  return { plageFirstDay, until, absences, usagers, rdvs, events, pastCount: pastSlots.length };
}

// ---------------------------------------------------------------------------------------------------------------
// History: the bookings, cancellations and status changes, in the order of time, checked against the
// availability engine exactly as the booking functions will check them when the seed replays them.

/** The demo's configuration as the engine sees it; ids are the indices of the plan's arrays. */
function engineInputs(absences: AbsenceSeed[], plageFirstDay: string, until: string) {
  const plages: PlageInput[] = PLAGES.map((p, i) => ({
    id: i, agentId: p.agent, lieuId: p.lieu, motifIds: p.motifs, firstDay: plageFirstDay,
    startTime: p.windows[0][0], endTime: p.windows[0][1], startTime2: p.windows[1]?.[0] ?? null, endTime2: p.windows[1]?.[1] ?? null,
    recurrence: { frequency: 'weekly', interval: p.interval, weekdays: p.weekdays, until }, bufferMinutesOverride: p.bufferOverride ?? null,
  }));
  const absenceInputs: AbsenceInput[] = absences.map((a) => ({
    agentId: a.agent, firstDay: a.firstDay, startTime: a.startTime, endDay: a.endDay, endTime: a.endTime, recurrence: a.recurrence,
  }));
  return { plages, absences: absenceInputs };
}

/** Every window of every plage occurrence between two local days: where a wish may fall back to. */
function plageWindows(from: string, to: string, plageFirstDay: string, until: string): Slot[] {
  const windows: Slot[] = [];
  for (let d = day(from); isoDay(d) <= to; d = d.plus({ days: 1 })) {
    const date = isoDay(d);
    PLAGES.forEach((p, plage) => {
      if (!occursOn({ frequency: 'weekly', interval: p.interval, weekdays: p.weekdays, until }, plageFirstDay, date)) return;
      p.windows.forEach(([ws, we], window) => {
        windows.push({ agent: p.agent, plage, window, motif: p.motifs[0], start: localInstant(date, ws), end: localInstant(date, we) });
      });
    });
  }
  return windows;
}

/**
 * Plays the wishes in the order of their booking time: each is booked at a slot the engine offers then (in its
 * window, else in the nearest window of the same plage that still has one), with the RDVs booked so far and not
 * cancelled by then. Cancellations and status changes are queued at their own instants and played in turn, so a
 * cancelled slot is free again for later bookings, as in a real service.
 */
function simulateHistory(
  rng: Random, wishes: Wish[],
  ctx: { absences: AbsenceSeed[]; plageFirstDay: string; until: string; lastSlotDay: string },
): { rdvs: RdvSeed[]; events: SeedEvent[] } {
  const { plages, absences } = engineInputs(ctx.absences, ctx.plageFirstDay, ctx.until);
  const windows = plageWindows(ctx.plageFirstDay, ctx.lastSlotDay, ctx.plageFirstDay, ctx.until);
  const live: RdvInput[] = [];
  const rdvs: RdvSeed[] = [];
  const events: SeedEvent[] = [];
  // Pending events, played earliest first; ties in the order they were queued.
  const queue: { at: number; seq: number; run: () => void }[] = [];
  let seq = 0;
  const schedule = (at: DateTime, run: () => void) => queue.push({ at: at.toMillis(), seq: seq++, run });

  const offered = (wish: Wish, window: Slot): Slot[] => {
    const m = MOTIFS[wish.slot.motif];
    const date = isoDay(window.start);
    const { from, endBy, startBefore } = wish.range;
    const inRange = (start: DateTime, end: DateTime) => start >= from && start >= window.start && end <= window.end
      && (endBy === undefined || end <= endBy) && (startBefore === undefined || start < startBefore);
    if (m.capacity !== null) {
      // Collective sessions are not cut by the engine: one session fills the window, if the agent is free then.
      const start = window.start;
      const end = start.plus({ minutes: m.duration });
      const busy = live.some((r) => r.agentIds.includes(window.agent) && r.start < end.toJSDate() && start.toJSDate() < r.end);
      return !busy && inRange(start, end) && start > wish.createdAt ? [{ ...window, motif: wish.slot.motif, start, end }] : [];
    }
    const query: AvailabilityQuery = {
      now: wish.createdAt.toJSDate(), from: date, to: date, territory: DEMO_TERRITORY_HOLIDAYS, audience: 'agent',
      motif: { id: wish.slot.motif, durationMinutes: m.duration, bufferMinutes: m.buffer, minBookingDelayMinutes: m.minDelay, maxBookingDelayMinutes: m.maxDelay, collective: false },
      plages, absences, busyBlocks: [], rdvs: live,
      lieuId: m.location === 'public_office' ? PLAGES[window.plage].lieu : null, agentId: window.agent,
    };
    return computeSlots(query)
      .map((s) => ({ ...window, motif: wish.slot.motif, start: DateTime.fromJSDate(s.start, { zone: ZONE }), end: DateTime.fromJSDate(s.end, { zone: ZONE }), plageOf: s.plageId }))
      .filter((s) => s.plageOf === window.plage && inRange(s.start, s.end));
  };

  const book = (wish: Wish) => {
    const wished = wish.slot;
    const sameWindow = (w: Slot) => w.plage === wished.plage && w.window === wished.window && isoDay(w.start) === isoDay(wished.start);
    // The wished window first, then the other windows of the plage, nearest first.
    const fallbacks = () => windows.filter((w) => w.plage === wished.plage && !sameWindow(w))
      .sort((a, b) => Math.abs(a.start.toMillis() - wished.start.toMillis()) - Math.abs(b.start.toMillis() - wished.start.toMillis()));
    const pickIn = (w: Slot): Slot | undefined => {
      const free = offered(wish, w);
      return free.length === 0 ? undefined : free.find((s) => s.start.toMillis() === wished.start.toMillis()) ?? rng.pick(free);
    };
    let slot = windows.filter(sameWindow).map(pickIn).find((s) => s !== undefined);
    if (!slot) for (const w of fallbacks()) if ((slot = pickIn(w))) break;
    if (!slot) throw new Error(`demo data: no free slot left for a ${MOTIFS[wished.motif].name} wished on ${wished.start.toISO()}; widen the plages`);
    const index = rdvs.length;
    const m = MOTIFS[slot.motif];
    const rdv: RdvInput = { id: index, agentIds: [slot.agent], start: slot.start.toJSDate(), end: slot.end.toJSDate(), status: 'unknown', bufferMinutes: m.buffer };
    live.push(rdv);
    const seed: RdvSeed = {
      slot: { agent: slot.agent, plage: slot.plage, window: slot.window, motif: slot.motif, start: slot.start, end: slot.end },
      status: wish.status, participants: wish.participants, createdAt: wish.createdAt, cancelledAt: null, cancelReason: null,
      context: wish.context, createdBy: wish.createdBy,
    };
    rdvs.push(seed);
    events.push({ kind: 'book', at: wish.createdAt, rdv: index });
    if (wish.status === 'excused' || wish.status === 'revoked') {
      // Some hours to a few days ahead; always after the booking and before the start.
      let at: DateTime = DateTime.max(wish.createdAt.plus({ hours: 1 }), slot.start.minus({ hours: rng.int(2, 96) }));
      if (at >= slot.start) at = wish.createdAt.plus({ milliseconds: Math.floor((slot.start.toMillis() - wish.createdAt.toMillis()) / 2) });
      seed.cancelledAt = at;
      seed.cancelReason = rng.pick(wish.status === 'excused' ? EXCUSED_REASONS : REVOKED_REASONS);
      schedule(at, () => {
        live.splice(live.indexOf(rdv), 1);
        events.push({ kind: 'cancel', at, rdv: index });
      });
    } else if (wish.status === 'seen' || wish.status === 'noshow') {
      // Marked by the agent when the RDV ends.
      schedule(slot.end, () => events.push({ kind: 'mark', at: slot.end, rdv: index }));
    }
  };

  for (const wish of wishes) schedule(wish.createdAt, () => book(wish));
  while (queue.length > 0) {
    let first = 0;
    for (let i = 1; i < queue.length; i++) {
      if (queue[i].at < queue[first].at || (queue[i].at === queue[first].at && queue[i].seq < queue[first].seq)) first = i;
    }
    queue.splice(first, 1)[0].run();
  }
  return { rdvs, events };
}

// ---------------------------------------------------------------------------------------------------------------
// Insertion: a handful of set-based statements (unnest of one array per column), ids reserved up front so that
// rows can reference each other before they exist.

type Column = readonly [name: string, type: string];

async function insertRows(db: Client, table: string, columns: Column[], rows: unknown[][]): Promise<void> {
  if (rows.length === 0) return;
  const arrays = columns.map((_, i) => rows.map((r) => r[i] ?? null));
  const names = columns.map(([name]) => name).join(', ');
  const unnest = columns.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ');
  const overriding = columns[0][0] === 'id' ? 'overriding system value' : '';
  await db.query(`insert into ${table} (${names}) ${overriding} select * from unnest(${unnest})`, arrays);
}

async function reserveIds(db: Client, table: string, n: number): Promise<number[]> {
  const { rows } = await db.query(
    `select nextval(pg_get_serial_sequence($1, 'id')) as id from generate_series(1, $2::int)`, [table, n]);
  return rows.map((r) => Number(r.id)).sort((a, b) => a - b);
}

/** Ids given by the store to the plan's entries, by index. */
interface SeededIds { motifs: number[]; lieux: number[]; agents: number[]; usagers: number[] }

async function insertConfiguration(db: Client, plan: DemoPlan): Promise<{ ids: SeededIds; counts: Record<string, number> }> {
  const [territoryId] = await reserveIds(db, 'territories', 1);
  await insertRows(db, 'territories', [['id', 'bigint'], ['name', 'text'], ['departement_code', 'text'], ['time_zone', 'text']],
    [[territoryId, 'Département de la Vienne (démo)', '86', ZONE]]);

  const orgIds = await reserveIds(db, 'organisations', ORGANISATIONS.length);
  await insertRows(db, 'organisations', [['id', 'bigint'], ['territory_id', 'bigint'], ['name', 'text'], ['phone', 'text'], ['email', 'text'], ['address', 'text']],
    ORGANISATIONS.map((o, i) => [orgIds[i], territoryId, o.name, o.phone, o.email, o.address]));

  const serviceIds = await reserveIds(db, 'services', SERVICES.length);
  const serviceId = (key: ServiceKey) => serviceIds[SERVICES.findIndex((s) => s.key === key)];
  await insertRows(db, 'services', [['id', 'bigint'], ['territory_id', 'bigint'], ['name', 'text'], ['short_name', 'text']],
    SERVICES.map((s, i) => [serviceIds[i], territoryId, s.name, s.key]));

  const lieuIds = await reserveIds(db, 'lieux', LIEUX.length);
  await insertRows(db, 'lieux', [['id', 'bigint'], ['organisation_id', 'bigint'], ['name', 'text'], ['address', 'text'], ['phone', 'text'], ['availability', 'text']],
    LIEUX.map((l, i) => [lieuIds[i], orgIds[l.organisation], l.name, l.address, l.phone, l.availability]));

  const agentIds = await reserveIds(db, 'agents', DEMO_AGENTS.length);
  await insertRows(db, 'agents', [['id', 'bigint'], ['first_name', 'text'], ['last_name', 'text'], ['email', 'text'], ['outlook_mailbox', 'text']],
    DEMO_AGENTS.map((a, i) => [agentIds[i], a.firstName, a.lastName, a.email, a.email]));
  await insertRows(db, 'agent_roles', [['agent_id', 'bigint'], ['organisation_id', 'bigint'], ['role', 'text']],
    DEMO_AGENTS.map((a, i) => [agentIds[i], orgIds[a.organisationIndex], a.role]));
  await insertRows(db, 'agent_services', [['agent_id', 'bigint'], ['service_id', 'bigint']],
    DEMO_AGENTS.flatMap((a, i) => a.services.map((s) => [agentIds[i], serviceId(s)])));
  // The head of social action manages who is who in the département (territory right; see migration 030).
  await insertRows(db, 'territory_rights', [['territory_id', 'bigint'], ['agent_id', 'bigint'], ['right_code', 'text']],
    [[territoryId, agentIds[DEMO_AGENTS.findIndex((a) => a.lastName === 'Guérin')], 'agent_identities']]);

  const motifIds = await reserveIds(db, 'motifs', MOTIFS.length);
  await insertRows(db, 'motifs', [
    ['id', 'bigint'], ['organisation_id', 'bigint'], ['service_id', 'bigint'], ['name', 'text'], ['color', 'text'],
    ['duration_minutes', 'int'], ['buffer_minutes', 'int'], ['location_type', 'text'], ['min_booking_delay_minutes', 'int'],
    ['max_booking_delay_minutes', 'int'], ['bookable_by', 'text'], ['reminders_enabled', 'boolean'], ['visibility', 'text'],
    ['collective', 'boolean'], ['default_capacity', 'int'],
  ], MOTIFS.map((m, i) => [
    motifIds[i], orgIds[m.organisation], serviceId(m.service), m.name, m.color, m.duration, m.buffer, m.location, m.minDelay,
    m.maxDelay, m.bookableBy, m.reminders, m.visibility, m.capacity !== null, m.capacity,
  ]));

  const plageIds = await reserveIds(db, 'plages', PLAGES.length);
  await insertRows(db, 'plages', [
    ['id', 'bigint'], ['organisation_id', 'bigint'], ['agent_id', 'bigint'], ['lieu_id', 'bigint'], ['title', 'text'], ['first_day', 'date'],
    ['start_time', 'time'], ['end_time', 'time'], ['start_time_2', 'time'], ['end_time_2', 'time'], ['recurrence', 'jsonb'], ['buffer_minutes_override', 'int'],
  ], PLAGES.map((p, i) => {
    const recurrence: Recurrence = { frequency: 'weekly', interval: p.interval, weekdays: p.weekdays, until: plan.until };
    const [w1, w2] = p.windows;
    return [plageIds[i], orgIds[DEMO_AGENTS[p.agent].organisationIndex], agentIds[p.agent], lieuIds[p.lieu], p.title, plan.plageFirstDay,
      w1[0], w1[1], w2?.[0], w2?.[1], JSON.stringify(recurrence), p.bufferOverride];
  }));
  await insertRows(db, 'plage_motifs', [['plage_id', 'bigint'], ['motif_id', 'bigint']],
    PLAGES.flatMap((p, i) => p.motifs.map((m) => [plageIds[i], motifIds[m]])));

  await insertRows(db, 'absences', [
    ['organisation_id', 'bigint'], ['agent_id', 'bigint'], ['title', 'text'], ['first_day', 'date'], ['start_time', 'time'],
    ['end_day', 'date'], ['end_time', 'time'], ['recurrence', 'jsonb'],
  ], plan.absences.map((a) => [orgIds[DEMO_AGENTS[a.agent].organisationIndex], agentIds[a.agent], a.title, a.firstDay, a.startTime,
    a.endDay, a.endTime, a.recurrence && JSON.stringify(a.recurrence)]));

  const usagerIds = await reserveIds(db, 'usagers', plan.usagers.length);
  await insertRows(db, 'usagers', [
    ['id', 'bigint'], ['territory_id', 'bigint'], ['first_name', 'text'], ['last_name', 'text'], ['birth_name', 'text'], ['birth_date', 'date'],
    ['phone', 'text'], ['email', 'text'], ['address', 'text'], ['commune_code', 'text'], ['notify_by_sms', 'boolean'], ['notify_by_email', 'boolean'],
    ['responsible_id', 'bigint'],
  ], plan.usagers.map((u, i) => [
    usagerIds[i], territoryId, u.firstName, u.lastName, u.birthName, u.birthDate, u.phone, u.email, u.address, u.communeCode,
    u.notifyBySms, u.notifyByEmail, u.responsible === null ? null : usagerIds[u.responsible],
  ]));
  const followed = new Set(plan.usagers.map((u, i) => `${i}:${u.organisation}`));
  for (const r of plan.rdvs) for (const p of r.participants) followed.add(`${p}:${MOTIFS[r.slot.motif].organisation}`);
  await insertRows(db, 'usager_organisations', [['usager_id', 'bigint'], ['organisation_id', 'bigint']],
    [...followed].map((k) => k.split(':').map(Number)).map(([u, o]) => [usagerIds[u], orgIds[o]]));

  const switches: [string, boolean][] = [
    ['outlook_sync', true], ['email_reminders', true], ['sms_reminders', true],
    ['online_booking', false], ['waitlist', false], ['sectorisation', false],
  ];
  await insertRows(db, 'feature_switches', [['territory_id', 'bigint'], ['feature', 'text'], ['enabled', 'boolean']],
    switches.map(([f, on]) => [territoryId, f, on]));

  const counts = {
    territories: 1,
    organisations: ORGANISATIONS.length,
    services: SERVICES.length,
    lieux: LIEUX.length,
    agents: DEMO_AGENTS.length,
    motifs: MOTIFS.length,
    plages: PLAGES.length,
    absences: plan.absences.length,
    usagers: plan.usagers.length,
    relatives: plan.usagers.filter((u) => u.responsible !== null).length,
    feature_switches: switches.length,
  };
  return { ids: { motifs: motifIds, lieux: lieuIds, agents: agentIds, usagers: usagerIds }, counts };
}

// ---------------------------------------------------------------------------------------------------------------
// Replay: the history, event by event, through the booking functions (checks, audit, reminder scheduling).

async function replayHistory(pool: Pool, plan: DemoPlan, ids: SeededIds, log: (msg: string) => void): Promise<void> {
  // Each agent acts as they would signed in: the identity the API builds from their token. The demo's agents
  // have no Entra object id yet, so they are found by their sign-in name, as at a first sign-in.
  const identities = new Map<number, AgentIdentity>();
  const actingAs = async (agent: number): Promise<AgentIdentity> => {
    let identity = identities.get(agent);
    if (!identity) {
      const found = await findAgentForToken(pool, { oid: '', username: DEMO_AGENTS[agent].email });
      if (!found) throw new Error(`demo data: agent ${DEMO_AGENTS[agent].email} not found`);
      identity = found;
      identities.set(agent, identity);
    }
    return identity;
  };
  const rdvIds: number[] = [];
  for (const [n, event] of plan.events.entries()) {
    // Some seconds in all: say how far it got.
    if (n > 0 && n % 200 === 0) log(`demo data: ${n} of ${plan.events.length} events replayed`);
    const r = plan.rdvs[event.rdv];
    const m = MOTIFS[r.slot.motif];
    const at = event.at.toJSDate();
    try {
      if (event.kind === 'book') {
        const rdv = await createRdv(pool, await actingAs(r.createdBy), {
          motifId: ids.motifs[r.slot.motif],
          lieuId: m.location === 'public_office' ? ids.lieux[PLAGES[r.slot.plage].lieu] : null,
          startsAt: r.slot.start.toJSDate(),
          agentIds: [ids.agents[r.slot.agent]],
          usagerIds: r.participants.map((u) => ids.usagers[u]),
          address: m.location === 'home' ? plan.usagers[r.participants[0]].address : undefined,
          context: r.context ?? undefined,
          channel: SEED_CHANNEL,
        }, at);
        rdvIds[event.rdv] = rdv.id;
      } else if (event.kind === 'cancel') {
        // The usager's call is taken by whoever booked; a revocation comes from the agent who had the RDV.
        const by = r.status === 'excused' ? r.createdBy : r.slot.agent;
        await cancelRdv(pool, await actingAs(by), rdvIds[event.rdv], { status: r.status as 'excused' | 'revoked', reason: r.cancelReason! }, at, SEED_CHANNEL);
      } else {
        await setRdvStatus(pool, await actingAs(r.slot.agent), rdvIds[event.rdv], r.status, at, SEED_CHANNEL);
      }
    } catch (err) {
      // The plan is made to be bookable: a refusal here means the plan and the booking rules disagree.
      throw new Error(`demo data: the booking path refused to ${event.kind} the ${m.name} of ${r.slot.start.toISO()} `
        + `(${DEMO_AGENTS[r.slot.agent].email}) at ${event.at.toISO()}: ${(err as Error).message}`, { cause: err });
    }
  }
}

/**
 * Fakes for the task pane's component tests: an API answering from arrays (every call recorded), a signed-in
 * session, the Office boundary of a plain browser, and the service's clock fixed on a Tuesday morning in Paris.
 */
import { configure, render } from '@testing-library/react';
import type { Api } from '../../../addin/src/api/client';
import { ApiError } from '../../../addin/src/api/errors';
import type { Agent, Availability, Lieu, Motif, RdvDetail, RdvSummary, Service, Usager } from '../../../addin/src/api/types';
import { App } from '../../../addin/src/App';
import type { Auth, Session } from '../../../addin/src/auth/session';
import { browserBoundary, type OfficeBoundary } from '../../../addin/src/office/boundary';
// The pane loads these two screens lazily (import()); jest's ESM loader links a dynamic import only if the module is
// already in its registry, so the tests load them up front.
import '../../../addin/src/screens/PrendreRdv';
import '../../../addin/src/screens/RdvDetail';

// jsdom has no ResizeObserver, which Fluent's MessageBar uses to fit its actions; nothing is measured here.
(globalThis as any).ResizeObserver ??= class { observe() {} unobserve() {} disconnect() {} };

// The first render of a file warms Fluent's styles up: on a busy machine (CI, 2 shared cores) it takes seconds,
// well past Testing Library's default second of waiting.
configure({ asyncUtilTimeout: 10_000 });

export const NOW = new Date('2026-12-08T10:10:00+01:00');

export const claire: Agent = { id: 1, firstName: 'Claire', lastName: 'Morand', email: 'claire.morand@demo.fr', organisationId: 1, serviceIds: ['1'] };
export const paul: Agent = { id: 2, firstName: 'Paul', lastName: 'Durand', email: 'paul.durand@demo.fr', organisationId: 1, serviceIds: ['1'] };
export const pmi: Service = { id: 1, name: 'Protection maternelle et infantile', shortName: 'PMI' };
export const pesee: Motif = { id: 2, organisationId: 1, serviceId: 1, name: 'Pesée', durationMinutes: 20, locationType: 'public_office', remindersEnabled: true, visibility: 'visible_and_notified', collective: false, archivedAt: null };
export const mds: Lieu = { id: 1, organisationId: 1, name: 'MDS Châtellerault', address: '12 rue', availability: 'enabled' };

export function anRdv(over: Partial<RdvSummary> = {}): RdvSummary {
  return {
    id: 10, organisationId: 1, motifId: 2, lieuId: 1, startsAt: '2026-12-08T13:30:00.000Z', endsAt: '2026-12-08T13:50:00.000Z', status: 'unknown',
    agentIds: [1], motifName: 'Pesée', locationType: 'public_office', lieuName: 'MDS Châtellerault', participants: 1, address: null, ...over,
  };
}

export function aDetail(r: RdvSummary, over: Partial<RdvDetail> = {}): RdvDetail {
  const { motifName: _m, locationType: _l, lieuName: _n, participants: _p, ...rest } = r;
  return {
    ...rest, cancelReason: null,
    participants: [{ usagerId: 5, status: r.status, firstName: 'Léa', lastName: 'Martin', phone: '+33612345678', email: 'lea@example.org' }],
    audit: [{ at: '2026-12-01T09:00:00Z', actorName: 'Claire Morand', actorKind: 'agent', channel: 'addin', action: 'created' }],
    receipts: [], scheduledMessages: [], ...over,
  };
}

export type Calls = Array<{ name: string; args: unknown[] }>;

export function fakeApi(over: Partial<Api> = {}): { api: Api; calls: Calls } {
  const calls: Calls = [];
  const base: Api = {
    listRdvs: async () => [],
    getRdv: async (id) => aDetail(anRdv({ id })),
    setStatus: async () => ({}),
    cancel: async () => ({}),
    move: async () => ({}),
    createRdv: async () => ({ id: 99 }),
    searchUsagers: async () => [],
    createUsager: async (b) => ({ id: 77, birthDate: null, notifyBySms: true, notifyByEmail: true, phone: null, email: null, ...(b as object) } as Usager),
    services: async () => [pmi],
    motifs: async () => [pesee],
    lieux: async () => [mds],
    agents: async () => [claire, paul],
    organisations: async () => [{ id: 1, territoryId: 1, name: 'MDS' }],
    availability: async (): Promise<Availability> => ({ motifId: 2, collective: false, timeZone: 'Europe/Paris', durationMinutes: 20, days: [] }),
    featureSwitches: async () => ({ sms_reminders: true, email_reminders: true }),
    mailboxSync: async () => null,
    itemRdv: async () => { throw new ApiError('not_found', 404, "Cet événement Outlook n'est pas un rendez-vous de RDV Outlook.", 'not_rdv_event'); },
    reportItem: async (b) => ({ rdvId: b.rdvId, eventId: 'AAMkImmutable' }),
    ...over,
  };
  const api = Object.fromEntries(Object.entries(base).map(([name, fn]) => [name, (...args: unknown[]) => {
    calls.push({ name, args });
    return (fn as (...a: unknown[]) => unknown)(...args);
  }])) as unknown as Api;
  return { api, calls };
}

export const signedIn = (email = claire.email): Auth => {
  const session: Session = { account: { username: email, name: 'Claire Morand' }, getToken: async () => 'token', signOut: async () => {} };
  return { restore: async () => session, signIn: async () => session };
};

export const networkDown = () => new ApiError('network', 0, 'Failed to fetch');

export function renderPane(api: Api, opts: { office?: OfficeBoundary; auth?: Auth; lang?: 'fr' | 'en' } = {}) {
  let n = 0;
  return render(<App office={opts.office ?? browserBoundary} auth={opts.auth ?? signedIn()} makeApi={() => api} now={() => NOW}
    newKey={() => `key-${++n}`} lang={opts.lang ?? 'fr'} />);
}

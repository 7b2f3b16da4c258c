/**
 * The service's HTTP API as the pane uses it. Each call asks the sign-in for a token (from memory, renewed
 * silently by msal), sends it as a bearer header and turns every failure into an ApiError.
 * Writes are marked `X-Rdv-Channel: addin` so that the audit trail says where a change came from.
 */
import { ApiError, kindOfStatus } from './errors';
import type {
  Agent, Availability, ComposeFill, FeatureSwitches, Lieu, MailboxSync, Motif, Organisation, RdvDetail, RdvSummary, Service, Usager,
} from './types';

export interface Api {
  listRdvs(q: { from: string; to: string; agentId?: number }): Promise<RdvSummary[]>;
  getRdv(id: number): Promise<RdvDetail>;
  setStatus(id: number, status: 'seen' | 'noshow' | 'unknown'): Promise<unknown>;
  cancel(id: number, body: { status: 'excused' | 'revoked'; reason: string }): Promise<unknown>;
  move(id: number, body: { startsAt: string; lieuId?: number | null; agentIds?: number[] }): Promise<unknown>;
  createRdv(body: Record<string, unknown>, idempotencyKey: string): Promise<{ id: number; outlookEvent?: ComposeFill | null }>;
  /** The RDV of an Outlook event of the agent's calendar (REST id); 404 when it is not one of ours. */
  itemRdv(restId: string): Promise<RdvDetail>;
  /** Reports the appointment saved for an RDV booked in compose mode. */
  reportItem(body: { rdvId: number; itemId: string }): Promise<{ rdvId: number; eventId: string }>;
  searchUsagers(q: string, signal?: AbortSignal): Promise<Usager[]>;
  createUsager(body: Record<string, unknown>, idempotencyKey: string): Promise<Usager>;
  services(): Promise<Service[]>;
  motifs(): Promise<Motif[]>;
  lieux(): Promise<Lieu[]>;
  agents(): Promise<Agent[]>;
  organisations(): Promise<Organisation[]>;
  availability(q: { motifId: number; from: string; to: string; lieuId?: number; agentId?: number }): Promise<Availability>;
  featureSwitches(q: { organisationId: number; serviceId: number }): Promise<FeatureSwitches>;
  /** The agent's Outlook sync state; null when the service does not offer it (404). */
  mailboxSync(agentId: number): Promise<MailboxSync | null>;
}

export function httpApi(baseUrl: string, getToken: () => Promise<string>, fetchImpl: typeof fetch = (...a) => fetch(...a)): Api {
  async function call<T>(method: string, path: string, body?: unknown, extra: Record<string, string> = {}, signal?: AbortSignal): Promise<T> {
    const token = await getToken();
    let res: Response;
    try {
      res = await fetchImpl(`${baseUrl}${path}`, {
        method,
        signal,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(method !== 'GET' ? { 'x-rdv-channel': 'addin' } : {}),
          ...extra,
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      throw new ApiError('network', 0, (err as Error).message);
    }
    if (res.ok) return (await res.json()) as T;
    let payload: { error?: { code?: string; message?: string; field?: string } } = {};
    try { payload = await res.json(); } catch { /* not JSON (a proxy's page) */ }
    const retry = Number(res.headers.get('retry-after'));
    throw new ApiError(kindOfStatus(res.status, payload.error?.code), res.status, payload.error?.message ?? `HTTP ${res.status}`,
      payload.error?.code, payload.error?.field, Number.isFinite(retry) && retry > 0 ? retry : undefined);
  }
  const qs = (o: Record<string, string | number | undefined>) =>
    new URLSearchParams(Object.entries(o).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)])).toString();
  return {
    listRdvs: (q) => call('GET', `/api/rdvs?${qs(q)}`),
    getRdv: (id) => call('GET', `/api/rdvs/${id}`),
    setStatus: (id, status) => call('POST', `/api/rdvs/${id}/status`, { status }),
    cancel: (id, body) => call('POST', `/api/rdvs/${id}/cancel`, body),
    move: (id, body) => call('POST', `/api/rdvs/${id}/move`, body),
    createRdv: (body, key) => call('POST', '/api/rdvs', body, { 'idempotency-key': key }),
    itemRdv: (restId) => call('GET', `/api/outlook/items/${encodeURIComponent(restId)}/rdv`),
    reportItem: (body) => call('POST', '/api/outlook/items', body),
    searchUsagers: (q, signal) => call('GET', `/api/usagers?${qs({ q, limit: 10 })}`, undefined, {}, signal),
    createUsager: (body, key) => call('POST', '/api/usagers', body, { 'idempotency-key': key }),
    services: () => call('GET', '/api/config/services'),
    motifs: () => call('GET', '/api/config/motifs'),
    lieux: () => call('GET', '/api/config/lieux'),
    agents: () => call('GET', '/api/config/agents'),
    organisations: () => call('GET', '/api/config/organisations'),
    availability: (q) => call('GET', `/api/availability?${qs(q)}`),
    featureSwitches: (q) => call('GET', `/api/config/feature-switches/effective?${qs(q)}`),
    async mailboxSync(agentId) {
      try {
        return await call<MailboxSync>('GET', `/api/sync/mailboxes/${agentId}`);
      } catch (err) {
        if (err instanceof ApiError && err.kind === 'not_found') return null;
        throw err;
      }
    },
  };
}

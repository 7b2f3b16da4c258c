/**
 * The demo tenant: the fictional département of the demo data, with one mailbox per demo agent (same email),
 * the product's app registration (audience of the add-in's user tokens) and the sync service's app
 * (client credentials, Calendars.ReadWrite). Used by `npm start` and `npm run emulator`, so that a token from the
 * emulator's sign-in page maps to an agent of the store.
 */
import { DEMO_AGENTS } from '../../sync-service/src/seed/demo';
import type { EmulatorControl } from './control';

export const DEMO_TENANT = {
  tenantId: '5a0e2b6c-1d3f-4e8a-9b70-86d000000001',
  tenantName: 'Département de la Vienne (démo)',
  /** The product's API / add-in app registration (user sign-in; audience of user tokens). */
  apiClientId: '5a0e2b6c-1d3f-4e8a-9b70-86d000000002',
  /** The sync service's app registration (application permissions on Graph). */
  serviceClientId: '5a0e2b6c-1d3f-4e8a-9b70-86d000000003',
  serviceClientSecret: 'emulator-service-secret',
} as const;

export const demoUserId = (index: number) => `5a0e2b6c-1d3f-4e8a-9b70-86d0000001${String(index).padStart(2, '0')}`;

/** Creates the demo tenant in the emulator; returns its users (one per demo agent, in DEMO_AGENTS order). */
export function createDemoTenant(c: EmulatorControl) {
  const t = DEMO_TENANT;
  c.createTenant({ id: t.tenantId, name: t.tenantName });
  c.createApp({ tenantId: t.tenantId, clientId: t.apiClientId, clientSecret: 'emulator-api-secret', roles: [], displayName: 'rdv-outlook (add-in and API)' });
  c.createApp({ tenantId: t.tenantId, clientId: t.serviceClientId, clientSecret: t.serviceClientSecret, roles: ['Calendars.ReadWrite', 'User.Read.All'], displayName: 'rdv-outlook sync service' });
  return DEMO_AGENTS.map((a, i) => c.createUser({
    tenantId: t.tenantId, id: demoUserId(i), userPrincipalName: a.email, displayName: `${a.firstName} ${a.lastName}`, timeZone: 'Romance Standard Time',
  }));
}

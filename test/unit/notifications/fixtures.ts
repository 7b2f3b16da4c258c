/** A readable RDV message context for the pure notification tests. */
import type { RdvMessageContext } from '../../../shared/src/notifications/types';

export function aMessage(overrides: Partial<RdvMessageContext> = {}): RdvMessageContext {
  return {
    kind: 'reminder',
    rdvUuid: '6f1c2d3e-4b5a-4c6d-8e7f-901234567890',
    sequence: 0,
    startsAt: new Date('2026-12-03T13:30:00Z'), // 14:30 in Paris
    endsAt: new Date('2026-12-03T14:00:00Z'),
    timeZone: 'Europe/Paris',
    motifName: 'Consultation de puériculture',
    serviceName: 'PMI',
    locationType: 'public_office',
    lieu: { name: 'Maison des solidarités', address: '12 rue de la République, 86000 Poitiers', phone: '05 49 00 00 00' },
    organisationName: 'MDS Poitiers Nord',
    organisationPhone: '05 49 11 11 11',
    ...overrides,
  };
}

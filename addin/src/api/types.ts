/** Shapes of the service's answers the pane reads (see sync-service routes; dates arrive as ISO strings). */
import type { RdvStatus } from '../../../shared/src/domain';

export interface RdvSummary {
  id: number; organisationId: number; motifId: number; lieuId: number | null; startsAt: string; endsAt: string;
  status: RdvStatus; agentIds: number[]; motifName: string; locationType: string; lieuName: string | null; participants: number;
  address: string | null;
}
export interface Participant { usagerId: number; status: string; firstName: string; lastName: string; phone: string | null; email: string | null }
export interface AuditEntry { at: string; actorName: string | null; actorKind: string; channel: string | null; action: string }
export interface Receipt { id: number; kind: string; channel: string; usagerId: number; status: string; reasonLabel: string | null; createdAt: string }
export interface ScheduledMessage { kind: string; channel: string; usagerId: number; dueAt: string; state: string; dropReason: string | null }
export interface RdvDetail extends Omit<RdvSummary, 'motifName' | 'locationType' | 'lieuName' | 'participants'> {
  participants: Participant[]; audit: AuditEntry[]; receipts: Receipt[]; scheduledMessages: ScheduledMessage[]; cancelReason: string | null;
}
export interface Service { id: number; name: string; shortName: string }
export interface Motif {
  id: number; organisationId: number; serviceId: number; name: string; durationMinutes: number; locationType: string;
  remindersEnabled: boolean; visibility: string; collective: boolean; archivedAt: string | null;
}
export interface Lieu { id: number; organisationId: number; name: string; address: string; availability: string }
export interface Agent { id: number; firstName: string; lastName: string; email: string; organisationId: number; serviceIds: Array<string | number> }
export interface Organisation { id: number; territoryId: number; name: string }
export interface Usager {
  id: number; firstName: string; lastName: string; birthDate: string | null; phone: string | null; email: string | null;
  notifyBySms: boolean; notifyByEmail: boolean;
}
export interface Availability {
  motifId: number; collective: boolean; timeZone: string; durationMinutes: number;
  days?: Array<{ day: string; lieux: Array<{ lieuId: number | null; agents: Array<{ agentId: number; starts: string[] }> }> }>;
}
export type FeatureSwitches = Record<string, boolean>;
/** The agent's Outlook sync, as `GET /api/sync/mailboxes/:agentId` shows it (the fields the pane uses). */
export interface MailboxSync {
  state: 'connecting' | 'connected' | 'disconnecting' | 'disconnected';
  lastSuccessAt: string | null;
  /** In French, from the service. */
  lastError: string | null;
  pendingOutboundChanges: number;
}
/** What the service says to fill an appointment being composed with (times as ISO strings). */
export interface ComposeFill { subject: string; location: string; start: string; end: string; customProperty: { name: string; value: string } }

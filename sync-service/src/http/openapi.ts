/** /api/openapi.json, generated from the same shared schemas that validate requests. */
import * as s from '../../../shared/src/schemas';
import type { DomainError } from '../errors';
import { connectRefusals } from '../sync/connection';
import { payloadSchema } from '../sync/webhook';
import { errorBody } from './errors';
import { syncRefusals } from './routes/sync';

const { z } = s;
const json = (schema: s.z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
const body = (schema: s.z.ZodType) => ({ required: true, content: { 'application/json': { schema: json(schema) } } });
const query = (schema: s.z.ZodObject) =>
  Object.entries(schema.shape).map(([name, v]) => ({ name, in: 'query', required: !(v as s.z.ZodType).safeParse(undefined).success, schema: json(v as s.z.ZodType) }));
const idParam = [{ name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } }];
const errorResponses = {
  400: { description: 'JSON invalide ou corps illisible' }, 401: { description: 'Jeton manquant ou invalide' }, 403: { description: 'Accès refusé (ou objet inexistant)' },
  409: { description: 'Conflit (créneau pris, RDV annulé…)' }, 413: { description: 'Corps de requête trop volumineux' },
  415: { description: 'Jeu de caractères autre que UTF-8, ou compression non prise en charge' }, 422: { description: 'Champ invalide : error.field le nomme' },
  429: { description: 'Trop de requêtes : réessayer après Retry-After secondes' },
};
const idempotencyKey = {
  name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' },
  description: 'Rejouer la même requête avec la même clé (24 h) renvoie la première réponse sans rien recréer ; la même clé avec un autre corps : 422.',
};
const op = (summary: string, extra: Record<string, unknown> = {}) => ({ summary, responses: { 200: { description: 'OK' }, ...errorResponses }, ...extra });

/**
 * Configuration resources and the operations their routes really offer (routes/config.ts): the document lists
 * nothing else, and test/integration/api/openapi.test.ts calls every operation it lists.
 */
type ConfigOp = 'list' | 'create' | 'read' | 'update' | 'delete';
const CONFIG_RESOURCES: Array<[string, s.z.ZodType, ConfigOp[]]> = [
  ['territories', s.territoryCreate, ['list', 'create', 'read', 'update']],
  ['organisations', s.organisationCreate, ['list', 'create', 'read', 'update']],
  ['services', s.serviceCreate, ['list', 'create', 'update']],
  ['lieux', s.lieuCreate, ['list', 'create', 'read', 'update', 'delete']],
  ['agents', s.agentCreate, ['list', 'create', 'update', 'delete']],
  ['motifs', s.motifCreate, ['list', 'create', 'read', 'update', 'delete']],
  ['plages', s.plageCreate, ['list', 'create', 'read', 'update', 'delete']],
  ['absences', s.absenceCreate, ['list', 'create', 'read', 'update', 'delete']],
];
const organisationQuery = (required: boolean) => [{ name: 'organisationId', in: 'query', required, schema: { type: 'integer', minimum: 1 } }];

const configPaths = Object.fromEntries(CONFIG_RESOURCES.flatMap(([name, schema, ops]) => {
  const collection: Record<string, unknown> = {};
  if (ops.includes('list')) collection.get = op(`Lister (${name})`);
  if (ops.includes('create')) collection.post = op(`Créer (${name}) — rôle admin`, { requestBody: body(schema) });
  const item: Record<string, unknown> = { parameters: idParam };
  if (ops.includes('read')) item.get = op(`Lire (${name})`);
  if (ops.includes('update')) item.patch = op(`Modifier (${name}) — rôle admin`);
  // An agent may work for several organisations: deleting removes their role in the one named.
  if (ops.includes('delete')) item.delete = op(`Supprimer (${name}) — rôle admin`, name === 'agents' ? { parameters: organisationQuery(true) } : {});
  return [[`/api/config/${name}`, collection], ...(Object.keys(item).length > 1 ? [[`/api/config/${name}/{id}`, item]] : [])];
}));

// ---- the Outlook sync (documented when it is configured, as its routes are mounted only then) ----

const errorSchema = {
  type: 'object', required: ['error'],
  properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' } } } },
};
/** A refusal with its examples: the very errors the routes throw, as the error handler words them. */
const refusal = (description: string, examples: Record<string, DomainError>) => ({
  description,
  content: { 'application/json': { schema: errorSchema, examples: Object.fromEntries(Object.entries(examples).map(([name, e]) => [name, { value: errorBody(e) }])) } },
});
const instant = { type: ['string', 'null'], format: 'date-time' };
/** routes/sync.ts mailboxStatusView. */
const mailboxStatus = {
  type: 'object',
  required: ['agentId', 'agentName', 'outlookMailbox', 'optedOut', 'connected', 'state', 'pendingOutboundChanges', 'import'],
  properties: {
    agentId: { type: 'integer' }, agentName: { type: 'string' }, outlookMailbox: { type: ['string', 'null'] }, optedOut: { type: 'boolean' },
    connected: { type: 'boolean' }, state: { enum: ['disconnected', 'connecting', 'connected', 'disconnecting'] },
    connectedAt: instant, lastSuccessAt: instant, lastError: { type: ['string', 'null'], description: 'Dernière erreur, en français' }, lastErrorAt: instant,
    subscriptionExpiresAt: instant, pendingOutboundChanges: { type: 'integer', minimum: 0 },
    import: { type: ['object', 'null'], properties: { done: { type: 'integer' }, total: { type: ['integer', 'null'] } }, description: 'Progression de l’import initial' },
  },
};
const jsonOf = (schema: unknown) => ({ content: { 'application/json': { schema } } });
const agentIdParam = [{ name: 'agentId', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } }];
const syncAuthErrors = { 401: errorResponses[401], 429: errorResponses[429] };
const inaccessibleAgent = refusal('Agent inexistant, ou dont vous n’administrez aucune organisation', { inaccessible: syncRefusals.inaccessible() });
const syncAction = (summary: string, refusals: Record<number, unknown>) => ({
  summary, parameters: agentIdParam,
  responses: { 202: { description: 'Demande enregistrée : état de la boîte (le travail se fait en arrière-plan)', ...jsonOf(mailboxStatus) }, ...syncAuthErrors, 403: inaccessibleAgent, ...refusals },
});
const webhook = (summary: string) => ({
  summary, security: [],
  parameters: [{ name: 'validationToken', in: 'query', required: false, schema: { type: 'string' }, description: 'Poignée de main de Microsoft Graph : renvoyé tel quel en text/plain' }],
  requestBody: { required: false, content: { 'application/json': { schema: json(payloadSchema) } } },
  responses: {
    200: { description: 'Poignée de main : le validationToken, en text/plain', content: { 'text/plain': { schema: { type: 'string' } } } },
    202: { description: 'Notifications acceptées (un abonnement inconnu est ignoré)' },
    400: { description: 'JSON invalide ou notification mal formée', content: { 'application/json': { schema: errorSchema, examples: { invalid_notification: { value: { error: { code: 'invalid_notification', message: 'Notification Microsoft Graph mal formée : value (Entrée invalide : tableau attendu, indéfini reçu).' } } } } } } },
    403: { description: 'clientState invalide pour toutes les notifications', content: { 'application/json': { schema: errorSchema, examples: { client_state_mismatch: { value: { error: { code: 'client_state_mismatch', message: 'Notification refusée : clientState invalide.' } } } } } } },
    503: { description: 'Base indisponible : Graph renverra la notification' },
  },
});

/** The sync's routes (routes/sync.ts, sync/webhook.ts, sync/metrics.ts). */
export const SYNC_OPENAPI_PATHS = {
  '/api/sync/mailboxes': {
    get: {
      summary: 'État de synchronisation Outlook des agents de vos organisations — rôle admin',
      responses: { 200: { description: 'OK', ...jsonOf({ type: 'array', items: mailboxStatus }) }, ...syncAuthErrors, 403: refusal('Réservé aux administrateurs', { adminsOnly: syncRefusals.adminsOnly() }) },
    },
  },
  '/api/sync/mailboxes/{agentId}': {
    get: {
      summary: 'État de synchronisation Outlook d’un agent — l’agent lui-même ou un admin de ses organisations', parameters: agentIdParam,
      responses: { 200: { description: 'OK', ...jsonOf(mailboxStatus) }, ...syncAuthErrors, 403: inaccessibleAgent },
    },
  },
  '/api/sync/mailboxes/{agentId}/connect': {
    post: syncAction('Connecter l’agenda Outlook de l’agent — rôle admin (journalisé)', {
      409: refusal('Synchronisation non activée pour l’organisation, ou agent qui l’a refusée', { feature_disabled: connectRefusals.featureDisabled(), sync_opted_out: connectRefusals.optedOut() }),
      422: refusal('Agent sans adresse Outlook (error.field)', { outlookMailbox: connectRefusals.noOutlookMailbox() }),
    }),
  },
  '/api/sync/mailboxes/{agentId}/disconnect': {
    post: syncAction('Déconnecter l’agenda Outlook : nos événements en sont retirés, l’abonnement supprimé — rôle admin (journalisé)', {
      409: refusal('Agenda non connecté', { not_connected: syncRefusals.notConnected() }),
    }),
  },
  '/api/sync/mailboxes/{agentId}/resync': {
    post: syncAction('Resynchroniser toute la fenêtre (dans les deux sens) — rôle admin (journalisé)', {
      409: refusal('Agenda non connecté', { not_connected: syncRefusals.notConnectedForResync() }),
    }),
  },
  '/graph/notifications': { post: webhook('Notifications de changement de Microsoft Graph (authentifiées par clientState, sans jeton)') },
  '/graph/lifecycle': { post: webhook('Événements de cycle de vie des abonnements Microsoft Graph (missed, subscriptionRemoved, reauthorizationRequired)') },
  '/metrics': {
    get: {
      summary: 'Métriques Prometheus de la synchronisation (à n’exposer qu’à votre supervision)', security: [],
      responses: { 200: { description: 'Format texte Prometheus', content: { 'text/plain': { schema: { type: 'string' } } } } },
    },
  },
};

export function openApiDocument(serverUrl?: string, extraPaths: Record<string, unknown> = {}) {
  return {
    openapi: '3.1.0',
    info: { title: 'rdv-outlook API', version: '0.1.0', description: 'Rendez-vous des services publics dans Outlook. Toutes les routes /api exigent un jeton Bearer Entra ID.' },
    servers: serverUrl ? [{ url: serverUrl }] : [],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    security: [{ bearer: [] }],
    paths: {
      ...configPaths,
      '/api/config/territories/{id}/rights': {
        parameters: idParam, get: op('Droits du territoire'), put: op('Accorder un droit du territoire — droit agent_identities', { requestBody: body(s.territoryRightGrant) }),
        delete: op('Retirer un droit du territoire — droit agent_identities', { parameters: query(s.territoryRightRevoke) }),
      },
      '/api/config/feature-switches': { get: op('Interrupteurs de fonctionnalités'), put: op('Activer / désactiver une fonctionnalité', { requestBody: body(s.featureSwitchSet) }) },
      '/api/config/feature-switches/effective': { get: op('Fonctionnalités en vigueur pour une organisation (et un service)', {
        parameters: [...organisationQuery(true), { name: 'serviceId', in: 'query', required: false, schema: { type: 'integer', minimum: 1 } }],
      }) },
      '/api/config/feature-switches/{id}': { parameters: idParam, delete: op('Retirer un interrupteur (retour à la règle plus générale)') },
      '/api/usagers': { get: op('Rechercher des usagers', { parameters: query(s.usagerSearch) }), post: op('Créer un usager', { parameters: [idempotencyKey], requestBody: body(s.usagerCreate) }) },
      '/api/usagers/{id}': { parameters: idParam, get: op('Lire un usager'), patch: op('Modifier un usager', { requestBody: body(s.usagerUpdate) }) },
      '/api/usagers/{id}/follow': { parameters: idParam, post: op("Suivre un usager d'une autre organisation — droit du territoire", { requestBody: body(s.usagerFollow) }) },
      '/api/usagers/{id}/relatives': { parameters: idParam, get: op('Proches'), post: op('Ajouter un proche', { parameters: [idempotencyKey], requestBody: body(s.relativeCreate) }) },
      '/api/rdvs': { get: op('Rendez-vous d’une période', { parameters: query(s.rdvList) }), post: op('Prendre un rendez-vous', { parameters: [idempotencyKey], requestBody: body(s.rdvCreate) }) },
      '/api/rdvs/{id}': { parameters: idParam, get: op('Un rendez-vous, ses participants, son historique et ses envois') },
      '/api/rdvs/{id}/receipts': { parameters: idParam, get: op('Envois du rendez-vous (SMS, e-mails) et messages prévus') },
      '/api/rdvs/{id}/move': { parameters: idParam, post: op('Déplacer', { requestBody: body(s.rdvMove) }) },
      '/api/rdvs/{id}/cancel': { parameters: idParam, post: op('Annuler (excusé ou annulé par le service)', { requestBody: body(s.rdvCancel) }) },
      '/api/rdvs/{id}/status': { parameters: idParam, post: op('Changer le statut', { requestBody: body(s.rdvSetStatus) }) },
      '/api/rdvs/{id}/participants': { parameters: idParam, post: op('Ajouter des participants', { requestBody: body(s.rdvParticipantsAdd) }) },
      '/api/outlook/items/{itemId}/rdv': {
        parameters: [{ name: 'itemId', in: 'path', required: true, schema: json(s.outlookItemId), description: "Identifiant REST de l'élément Outlook (convertToRestId), ou son identifiant immuable" }],
        get: op("Le rendez-vous d'un événement de votre calendrier Outlook (même forme que GET /api/rdvs/{id}) ; 404 si l'événement n'en est pas un ou ne vous est pas accessible ; 409 si la synchronisation est arrêtée ou votre agenda non connecté", {
          responses: { 200: { description: 'OK' }, ...errorResponses, 404: { description: "Cet événement Outlook n'est pas un rendez-vous accessible" }, 503: { description: 'Microsoft 365 ne répond pas' } },
        }),
      },
      '/api/outlook/items': {
        post: op("Signaler l'élément Outlook enregistré pour un rendez-vous pris en mode rédaction (outlookItem: 'compose') : il devient l'événement du rendez-vous", {
          requestBody: body(s.outlookItemReport),
          responses: { 200: { description: 'OK' }, ...errorResponses, 503: { description: 'Microsoft 365 ne répond pas' } },
        }),
      },
      '/api/availability': { get: op('Créneaux libres d’un motif', { parameters: query(s.availabilityQuery) }) },
      '/api/availability/next': { get: op('Premier créneau libre (6 mois)', { parameters: query(s.nextAvailabilityQuery) }) },
      '/health': { get: { ...op('Vivacité'), security: [] } },
      '/ready': { get: { ...op('Prêt (base joignable, migrations faites)'), security: [] } },
      ...extraPaths,
    },
  };
}

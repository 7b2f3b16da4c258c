/** /api/openapi.json, generated from the same shared schemas that validate requests. */
import * as s from '../../../shared/src/schemas';

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

export function openApiDocument(serverUrl?: string) {
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
    },
  };
}

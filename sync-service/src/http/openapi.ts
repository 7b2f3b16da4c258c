/** /api/openapi.json, generated from the same shared schemas that validate requests. */
import * as s from '../../../shared/src/schemas';

const { z } = s;
const json = (schema: s.z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
const body = (schema: s.z.ZodType) => ({ required: true, content: { 'application/json': { schema: json(schema) } } });
const query = (schema: s.z.ZodObject) =>
  Object.entries(schema.shape).map(([name, v]) => ({ name, in: 'query', required: !(v as s.z.ZodType).safeParse(undefined).success, schema: json(v as s.z.ZodType) }));
const idParam = [{ name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } }];
const errorResponses = {
  400: { description: 'JSON invalide' }, 401: { description: 'Jeton manquant ou invalide' }, 403: { description: 'Accès refusé (ou objet inexistant)' },
  409: { description: 'Conflit (créneau pris, RDV annulé…)' }, 422: { description: 'Champ invalide : error.field le nomme' },
  429: { description: 'Trop de requêtes : réessayer après Retry-After secondes' },
};
const idempotencyKey = {
  name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' },
  description: 'Rejouer la même requête avec la même clé (24 h) renvoie la première réponse sans rien recréer ; la même clé avec un autre corps : 422.',
};
const op = (summary: string, extra: Record<string, unknown> = {}) => ({ summary, responses: { 200: { description: 'OK' }, ...errorResponses }, ...extra });

const configPaths = Object.fromEntries(([
  ['territories', s.territoryCreate], ['organisations', s.organisationCreate], ['services', s.serviceCreate], ['lieux', s.lieuCreate],
  ['agents', s.agentCreate], ['motifs', s.motifCreate], ['plages', s.plageCreate], ['absences', s.absenceCreate],
] as const).flatMap(([name, schema]) => [
  [`/api/config/${name}`, { get: op(`Lister (${name})`), post: op(`Créer (${name}) — rôle admin`, { requestBody: body(schema) }) }],
  [`/api/config/${name}/{id}`, { parameters: idParam, get: op(`Lire (${name})`), patch: op(`Modifier (${name}) — rôle admin`), delete: op(`Supprimer (${name}) — rôle admin`) }],
]));

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
        delete: op('Retirer un droit du territoire — droit agent_identities', { parameters: query(s.territoryRightGrant) }),
      },
      '/api/config/feature-switches': { get: op('Interrupteurs de fonctionnalités'), put: op('Activer / désactiver une fonctionnalité', { requestBody: body(s.featureSwitchSet) }) },
      '/api/usagers': { get: op('Rechercher des usagers', { parameters: query(s.usagerSearch) }), post: op('Créer un usager', { parameters: [idempotencyKey], requestBody: body(s.usagerCreate) }) },
      '/api/usagers/{id}': { parameters: idParam, get: op('Lire un usager'), patch: op('Modifier un usager', { requestBody: body(s.usagerUpdate) }) },
      '/api/usagers/{id}/follow': { parameters: idParam, post: op("Suivre un usager d'une autre organisation — droit du territoire", { requestBody: body(s.usagerFollow) }) },
      '/api/usagers/{id}/relatives': { parameters: idParam, get: op('Proches'), post: op('Ajouter un proche', { parameters: [idempotencyKey], requestBody: body(s.relativeCreate) }) },
      '/api/rdvs': { get: op('Rendez-vous d’une période', { parameters: query(s.rdvList) }), post: op('Prendre un rendez-vous', { parameters: [idempotencyKey], requestBody: body(s.rdvCreate) }) },
      '/api/rdvs/{id}': { parameters: idParam, get: op('Un rendez-vous, ses participants, son historique et ses envois') },
      '/api/rdvs/{id}/move': { parameters: idParam, post: op('Déplacer', { requestBody: body(s.rdvMove) }) },
      '/api/rdvs/{id}/cancel': { parameters: idParam, post: op('Annuler (excusé ou annulé par le service)', { requestBody: body(s.rdvCancel) }) },
      '/api/rdvs/{id}/status': { parameters: idParam, post: op('Changer le statut', { requestBody: body(s.rdvSetStatus) }) },
      '/api/rdvs/{id}/participants': { parameters: idParam, post: op('Ajouter des participants', { requestBody: body(s.rdvParticipantsAdd) }) },
      '/api/availability': { get: op('Créneaux libres d’un motif', { parameters: query(s.availabilityQuery) }) },
      '/api/availability/next': { get: op('Premier créneau libre (6 mois)', { parameters: query(s.nextAvailabilityQuery) }) },
      '/health': { get: { ...op('Vivacité'), security: [] } },
      '/ready': { get: { ...op('Prêt (base joignable, migrations faites)'), security: [] } },
    },
  };
}

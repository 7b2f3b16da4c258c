/**
 * Errors a client causes with what it sends, turned into French 4xx answers: unreadable bodies (body parser),
 * and database refusals that slipped past validation. Messages never name a table, a column or a constraint:
 * agents read them in the add-in, and attackers should learn nothing of the schema.
 */
import type { NextFunction, Request, Response } from 'express';
import { isPgError, PG, type PgError } from '../data/db';
import { DomainError } from '../errors';

/** What the JSON body parser refuses (its `type`), in French. */
const BODY_ERRORS: Record<string, { status: 400 | 413 | 415; code: string; message: string }> = {
  'entity.parse.failed': { status: 400, code: 'invalid_json', message: 'Corps de requête : JSON invalide.' },
  'entity.too.large': { status: 413, code: 'body_too_large', message: 'Corps de requête trop volumineux (200 Ko au plus).' },
  'charset.unsupported': { status: 415, code: 'unsupported_charset', message: 'Jeu de caractères non pris en charge : envoyez du JSON en UTF-8.' },
  'encoding.unsupported': { status: 415, code: 'unsupported_encoding', message: 'Compression non prise en charge : envoyez le corps tel quel, ou compressé en gzip, deflate ou br.' },
  'request.size.invalid': { status: 400, code: 'invalid_body', message: 'Corps de requête incomplet : sa taille ne correspond pas à Content-Length.' },
  'request.aborted': { status: 400, code: 'invalid_body', message: 'Requête interrompue avant la fin du corps.' },
};

/** An error of the body parser (http-errors marks those a client caused as `expose`), or null. */
export function bodyError(err: unknown): DomainError | null {
  const e = err as { type?: string; status?: number; expose?: boolean };
  if (typeof e?.status !== 'number' || e.status < 400 || e.status >= 500 || e.expose !== true) return null;
  const known = e.type ? BODY_ERRORS[e.type] : undefined;
  if (known) return new DomainError(known.status, known.code, known.message);
  // E.g. a gzip body that does not inflate: the parser answers 400 without a type.
  return new DomainError(400, 'invalid_body', 'Corps de requête illisible (compression ou encodage invalide).');
}

/**
 * Runs after the JSON parser: a body it left unread (another media type, e.g. a form) is refused with 415 rather
 * than ignored, which would answer "field missing" about fields the client did send.
 */
export function jsonBodiesOnly(req: Request, _res: Response, next: NextFunction): void {
  const length = req.headers['content-length'];
  const hasBody = req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
  if (hasBody && req.body === undefined && !req.is('application/json')) {
    next(new DomainError(415, 'unsupported_media_type', 'Type de contenu non pris en charge : envoyez du JSON (Content-Type: application/json).'));
    return;
  }
  next();
}

/** Unique constraints a client can run into, in words, with the field to correct. */
const UNIQUE_CONSTRAINTS: Record<string, { message: string; field?: string }> = {
  agents_email_key: { message: 'Un agent a déjà cette adresse e-mail.', field: 'email' },
  agents_entra_oid_key: { message: 'Ce compte Entra ID est déjà lié à un autre agent.', field: 'entraOid' },
  services_territory_id_short_name_key: { message: 'Un service de ce territoire a déjà ce nom court.', field: 'shortName' },
  agent_roles_pkey: { message: 'Cet agent a déjà un rôle dans cette organisation.', field: 'organisationId' },
  agent_services_pkey: { message: 'Cet agent appartient déjà à ce service.', field: 'serviceIds' },
  plage_motifs_pkey: { message: 'Ce motif est déjà proposé sur cette plage.', field: 'motifIds' },
  usager_organisations_pkey: { message: 'Cet usager est déjà suivi par cette organisation.', field: 'organisationId' },
  rdv_agents_pkey: { message: 'Cet agent participe déjà à ce rendez-vous.', field: 'agentIds' },
  participations_pkey: { message: 'Cet usager participe déjà à ce rendez-vous.', field: 'usagerIds' },
  feature_switches_territory_id_organisation_id_service_id_feature_key: { message: 'Cet interrupteur existe déjà pour ce périmètre.', field: 'feature' },
};

const camel = (column: string) => column.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** A PostgreSQL refusal of a value the client sent, or null for anything else. */
export function storeRefusal(err: unknown): DomainError | null {
  const e = err as PgError;
  if (isPgError(err, PG.uniqueViolation)) {
    const known = e.constraint ? UNIQUE_CONSTRAINTS[e.constraint] : undefined;
    return new DomainError(409, 'already_exists', known?.message ?? 'Cet élément existe déjà.', known?.field);
  }
  if (isPgError(err, PG.foreignKeyViolation)) {
    // detail: 'Key (lieu_id)=(42) is not present in table "lieux".' — the column names the field, the value is not echoed.
    const column = /^Key \(([a-z_]+)\)=/.exec(e.detail ?? '')?.[1];
    return new DomainError(422, 'unknown_reference', 'Référence inconnue : cet élément n’existe pas ou plus.', column ? camel(column) : undefined);
  }
  if (isPgError(err, PG.checkViolation)) return new DomainError(422, 'invalid', 'Valeur refusée : elle ne respecte pas les règles de cohérence des données.');
  // Class 22, data exceptions: a value the store cannot hold (out of range, unreadable date, NUL byte…). The shared
  // schemas refuse these first; this keeps a value they missed a 4xx instead of a 500.
  if (typeof e?.code === 'string' && e.code.startsWith('22') && typeof (e as { severity?: unknown }).severity === 'string') {
    return new DomainError(422, 'invalid_value', 'Valeur refusée : hors des limites acceptées ou illisible.');
  }
  return null;
}

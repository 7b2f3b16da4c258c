/**
 * Bearer-token authentication of /api: a JWT issued by the tenant's Entra ID for this service's API
 * (obtained by the add-in through nested app authentication), verified against the tenant's JWKS:
 * signature, issuer, audience, tenant (`tid`) and expiry. It must be a delegated ACCESS token granting the API's
 * `access_as_user` scope: an ID token (which proves a sign-in, not a grant, and may carry our audience when the
 * add-in and the API share an app registration) or a token for other scopes is refused. The token's `oid` maps to
 * an agent; at an agent's first sign-in `preferred_username` finds them by email and their `oid` is recorded.
 * A token without `oid` is nobody: a sign-in name alone never identifies an agent. Unknown → 403.
 */
import type { NextFunction, Request, Response } from 'express';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { bindEntraOid, findAgentForToken, type AgentIdentity, type TerritoryRight } from '../data/agents';
import { appendAudit } from '../data/audit';
import { isPgError, PG, withTransaction, type Pool } from '../data/db';
import { DomainError, forbidden } from '../errors';

export interface AuthSettings { jwksUrl: string; issuer: string; audience: string; tenantId: string }

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request { agent: AgentIdentity }
  }
}

const unauthorized = (message: string) => new DomainError(401, 'unauthorized', message);

/** The delegated permission the add-in asks for (Entra app registration → Expose an API). No app roles are defined. */
export const API_SCOPE = 'access_as_user';

export function authenticate(pool: Pool, settings: AuthSettings) {
  const jwks: JWTVerifyGetKey = createRemoteJWKSet(new URL(settings.jwksUrl), { cooldownDuration: 30_000, timeoutDuration: 5_000 });
  return async (req: Request, res: Response, next: NextFunction) => {
    const header = req.headers.authorization;
    if (!header?.startsWith('Bearer ')) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      return next(unauthorized('Authentification requise : jeton Bearer manquant.'));
    }
    let claims;
    try {
      ({ payload: claims } = await jwtVerify(header.slice(7), jwks, {
        issuer: settings.issuer,
        audience: settings.audience,
        algorithms: ['RS256'],
        clockTolerance: 60,
      }));
    } catch (err) {
      res.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
      if (err instanceof joseErrors.JWTExpired) return next(unauthorized('Jeton expiré : reconnectez-vous.'));
      if (err instanceof joseErrors.JOSEError) return next(unauthorized(`Jeton invalide (${err.code}).`));
      return next(err);
    }
    if (claims.tid !== settings.tenantId) return next(unauthorized("Jeton invalide : il n'a pas été émis pour ce tenant."));
    if (typeof claims.scp !== 'string') {
      // No delegated scopes: an ID token, or an app-only token (this API defines no application role).
      res.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
      return next(unauthorized("Jeton invalide : un jeton d'accès à cette API est attendu (pas un jeton d'identification)."));
    }
    if (!claims.scp.split(' ').includes(API_SCOPE)) {
      res.setHeader('WWW-Authenticate', `Bearer error="insufficient_scope", scope="${API_SCOPE}"`);
      return next(new DomainError(403, 'insufficient_scope', `Jeton sans l'autorisation « ${API_SCOPE} » : l'application doit la demander pour appeler cette API.`));
    }
    const oid = typeof claims.oid === 'string' && claims.oid ? claims.oid : undefined;
    if (!oid) {
      res.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
      return next(unauthorized("Jeton invalide : identifiant de compte (oid) manquant."));
    }
    const found = await findAgentForToken(pool, { oid, username: typeof claims.preferred_username === 'string' ? claims.preferred_username : undefined });
    if (!found) return next(forbidden("Ce compte n'est rattaché à aucun agent : demandez à un administrateur de vous ajouter."));
    const { entraOid, ...agent } = found;
    if (!entraOid) {
      // First sign-in: the binding is an identity change like any other, audited in the same transaction.
      let bound;
      try {
        bound = await withTransaction(pool, async (c) => {
          const b = await bindEntraOid(c, agent.id, oid);
          if (b.changed) await appendAudit(c, { kind: 'agent', agentId: agent.id, channel: 'sign_in' }, 'agents', agent.id, 'identity_bound', { entraOid: oid });
          return b;
        });
      } catch (err) {
        if (!isPgError(err, PG.uniqueViolation)) throw err;
        bound = { boundTo: null };
      }
      if (bound.boundTo !== oid) return next(forbidden("Ce compte n'est rattaché à aucun agent : demandez à un administrateur de vous ajouter."));
    }
    req.agent = agent;
    next();
  };
}

/** Throws 403 unless the agent has a role in the organisation (any role, or one of `roles`). */
export function requireOrgRole(agent: AgentIdentity, organisationId: number, roles?: string[]): void {
  const role = agent.roles.get(Number(organisationId));
  if (!role || (roles && !roles.includes(role))) throw forbidden();
}

export const requireAdmin = (agent: AgentIdentity, organisationId: number) => requireOrgRole(agent, organisationId, ['admin']);

/** Territory-wide settings (services, territory switches) need the admin role in one of its organisations. */
export function requireTerritoryAdmin(agent: AgentIdentity, territoryId: number): void {
  for (const [org, role] of agent.roles) if (role === 'admin' && agent.orgTerritory.get(org) === Number(territoryId)) return;
  throw forbidden();
}

export const isAnyAdmin = (agent: AgentIdentity) => [...agent.roles.values()].includes('admin');

export const hasTerritoryRight = (agent: AgentIdentity, territoryId: number, right: TerritoryRight) =>
  agent.territoryRights.get(Number(territoryId))?.has(right) ?? false;

const RIGHT_NAMES: Record<TerritoryRight, string> = {
  agent_identities: 'gérer les identités des agents',
  usager_follow: "suivre un usager d'une autre organisation",
};

/** Throws 403 unless the agent holds this territory-level right (an organisation's admin role is not enough). */
export function requireTerritoryRight(agent: AgentIdentity, territoryId: number, right: TerritoryRight): void {
  if (!hasTerritoryRight(agent, territoryId, right)) throw forbidden(`Droit « ${RIGHT_NAMES[right]} » du territoire requis.`);
}

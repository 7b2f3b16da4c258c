/**
 * Abuse protection: requests are counted per bearer token and per client address over a fixed window (RATE_LIMIT_WINDOW_SECONDS); past
 * the limit the answer is 429 with Retry-After. The token's key is its SHA-256 hash, so that no token sits in
 * memory longer than the request that carried it. Counters live in this process's memory: with several instances
 * behind a load balancer, each enforces the limits on the requests it receives.
 */
import { createHash } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Logger } from 'pino';
import { DomainError } from '../errors';

export interface RateLimitSettings { enabled: boolean; perToken: number; perIp: number; windowSeconds: number }

/** The documented defaults (see config.ts for why these figures). */
export const DEFAULT_RATE_LIMITS: RateLimitSettings = { enabled: true, perToken: 600, perIp: 1200, windowSeconds: 60 };

const bearer = (req: Request) => {
  const h = req.headers.authorization;
  return h?.startsWith('Bearer ') ? h.slice(7) : undefined;
};

export const tokenKey = (token: string) => createHash('sha256').update(token).digest('base64url');

/** Per-IP then per-token limiters, to mount before authentication (so that floods never reach token checks). */
export function rateLimiters(s: RateLimitSettings, logger: Logger): RequestHandler[] {
  if (!s.enabled) return [];
  const common = {
    windowMs: s.windowSeconds * 1000,
    standardHeaders: 'draft-7' as const,
    legacyHeaders: false,
    logger,
    handler: ((_req, res, next) => {
      const seconds = Number(res.getHeader('Retry-After')) || s.windowSeconds;
      next(new DomainError(429, 'rate_limited', `Trop de requêtes : réessayez dans ${seconds} secondes.`));
    }) as RequestHandler,
  };
  return [
    // Default key: the client address (a /56 for IPv6), as Express sees it under the TRUST_PROXY setting.
    rateLimit({ ...common, limit: s.perIp, identifier: 'ip' }),
    rateLimit({
      ...common,
      limit: s.perToken,
      identifier: 'token',
      skip: (req) => !bearer(req),
      keyGenerator: (req) => tokenKey(bearer(req)!),
    }),
  ];
}

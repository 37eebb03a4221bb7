import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { CloudConfig } from '../config/cloud-config';
import type { AdminSessions } from './admin-sessions';

/**
 * The dashboard's Content Security Policy: its own scripts and styles only (Vite builds them into
 * files; no inline script or style, no `unsafe-inline`, no `eval`), images also from `data:` (the
 * favicon, QR codes) and `blob:` (receipt images), connections (fetch, socket.io) to this origin,
 * never framed.
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Swagger UI (/api/docs) ships inline <style> blocks and style attributes in its HTML: styles may be
 * inline there, scripts still only from this origin.
 */
export const API_DOCS_CSP = DASHBOARD_CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'");

/**
 * Security headers on every answer (what helmet sets, written out: one middleware, no dependency):
 * CSP, no MIME sniffing, no framing, no referrer, same-origin isolation, and HSTS on HTTPS
 * (a TLS-terminating proxy says so with X-Forwarded-Proto).
 */
export function securityHeaders() {
  return (request: Request, response: Response, next: NextFunction): void => {
    const docs = request.path === '/api/docs' || request.path.startsWith('/api/docs/');
    response.setHeader('Content-Security-Policy', docs ? API_DOCS_CSP : DASHBOARD_CSP);
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('X-Frame-Options', 'DENY');
    response.setHeader('Referrer-Policy', 'no-referrer');
    response.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    response.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    response.setHeader('Origin-Agent-Cluster', '?1');
    response.setHeader('X-DNS-Prefetch-Control', 'off');
    response.setHeader('X-Download-Options', 'noopen');
    response.setHeader('X-Permitted-Cross-Domain-Policies', 'none');
    response.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=()');
    if (request.secure)
      response.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    next();
  };
}

const bearer = (request: Request): string | undefined => {
  const header = request.headers.authorization ?? '';
  return /^Bearer\s+/i.test(header) ? header.replace(/^Bearer\s+/i, '').trim() : undefined;
};

/** Constant-time comparison of a presented token with the configured one. */
export function sameToken(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(presented, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Whether a /metrics request may read: always without KASSA_METRICS_TOKEN, else with that bearer token. */
export function metricsAllowed(config: Pick<CloudConfig, 'metricsToken'>, request: Request): boolean {
  return config.metricsToken === undefined || sameToken(bearer(request), config.metricsToken);
}

/**
 * /api/docs as KASSA_API_DOCS says: `public` (everyone), `signed-in` (a valid admin API bearer
 * token: `curl -H "Authorization: Bearer …" …/api/docs/openapi.json`), `off` (404).
 */
export function apiDocsAccess(
  config: Pick<CloudConfig, 'apiDocs'>,
  sessions: Pick<AdminSessions, 'authenticate'>,
) {
  return (request: Request, response: Response, next: NextFunction): void => {
    if (config.apiDocs === 'public') return next();
    if (config.apiDocs === 'off') {
      response.status(404).json({ statusCode: 404, message: 'not found', error: 'Not Found' });
      return;
    }
    const token = bearer(request);
    (token ? sessions.authenticate(token) : Promise.resolve(undefined)).then(
      (claims) => {
        if (claims) return next();
        response.status(401).json({
          statusCode: 401,
          message: 'sign in: Authorization: Bearer <token from POST /api/auth/login>',
          error: 'Unauthorized',
        });
      },
      (error: unknown) => next(error),
    );
  };
}

/** Who am I, and minting a short-lived JWT for the dashboard from an API key. */
import type { KeyObject } from 'node:crypto';
import { HubError } from '../../errors.js';
import { signJwt } from '../../auth/jwt.js';
import { scopeSchema } from '../../auth/scopes.js';
import { defineRoute, type RouteSpec } from '../route.js';

const principalSchema = {
  type: 'object',
  properties: {
    tenantId: { type: 'string' },
    subject: { type: 'string' },
    kind: { type: 'string', enum: ['api_key', 'jwt'] },
    scopes: { type: 'array', items: { type: 'string' } },
  },
  required: ['tenantId', 'subject', 'kind', 'scopes'],
};

export function authRoutes(deps: { jwtKey: KeyObject; jwtTtlSeconds: number }): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET', path: '/me', operationId: 'getMe', tag: 'auth', auth: { scope: 'sites:read' },
      summary: 'The calling principal: tenant, scopes and credential kind',
      responses: { 200: { description: 'Principal', schema: principalSchema } },
      handler: ({ principal }) => ({
        body: { tenantId: principal.tenantId, subject: principal.subject, kind: principal.kind, scopes: [...principal.scopes].sort() },
      }),
    }),
    defineRoute<{ scopes?: string[]; ttlSeconds?: number }>({
      method: 'POST', path: '/auth/token', operationId: 'createToken', tag: 'auth', auth: { scope: 'sites:read' },
      summary: 'Exchange an API key for a JWT carrying the same tenant and at most the same scopes',
      body: {
        type: 'object',
        properties: {
          scopes: { type: 'array', items: scopeSchema, maxItems: 32, uniqueItems: true },
          ttlSeconds: { type: 'integer', minimum: 60, maximum: 86400 },
        },
        additionalProperties: false,
      },
      responses: { 201: { description: 'Token', schema: { type: 'object', properties: { token: { type: 'string' }, expiresIn: { type: 'integer' } }, required: ['token', 'expiresIn'] } } },
      handler: ({ body, principal }) => {
        if (principal.kind !== 'api_key') throw new HubError('HUB_ERR_AUTH_SCOPE', { message: 'Only an API key can mint tokens' });
        const wanted = body.scopes ?? [...principal.scopes];
        const excess = wanted.filter((s) => !principal.scopes.has('*') && !principal.scopes.has(s));
        if (excess.length > 0) throw new HubError('HUB_ERR_AUTH_SCOPE', { message: `The key does not hold: ${excess.join(', ')}`, details: { scopes: excess } });
        const ttl = Math.min(body.ttlSeconds ?? deps.jwtTtlSeconds, deps.jwtTtlSeconds);
        const token = signJwt(deps.jwtKey, { sub: principal.subject, tenant: principal.tenantId, scopes: wanted }, ttl);
        return { status: 201, body: { token, expiresIn: ttl } };
      },
    }),
  ];
}

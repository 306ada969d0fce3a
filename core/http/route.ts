/**
 * A route is declared once: method, path, auth, the JSON Schemas of its
 * params, query, body and responses, and a handler. The same declaration
 * validates requests and produces the OpenAPI document (one source of truth).
 */
import type { Context } from 'koa';
import type { Scope } from '../auth/scopes.js';
import type { Principal } from '../auth/principal.js';
import type { JsonSchema } from './validation.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteRequest<Body = unknown, Query = Record<string, unknown>, Params = Record<string, string>> {
  body: Body;
  query: Query;
  params: Params;
  /** Set on every route whose auth is not 'none'. */
  principal: Principal;
  ctx: Context;
}

export interface RouteResult {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface ResponseSpec {
  description: string;
  schema?: JsonSchema;
}

export interface RouteSpec<Body = any, Query = any, Params = any> {
  method: HttpMethod;
  /** Path below the router prefix, koa-router style: `/sites/:id`. */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  /** `none` for public routes; otherwise the scope the caller must hold. */
  auth: 'none' | { scope: Scope };
  params?: JsonSchema;
  query?: JsonSchema;
  body?: JsonSchema;
  responses: Record<number, ResponseSpec>;
  handler(req: RouteRequest<Body, Query, Params>): Promise<RouteResult> | RouteResult;
}

/** Identity helper that keeps the generic types of a route declaration. */
export function defineRoute<Body = unknown, Query = Record<string, unknown>, Params = Record<string, string>>(
  spec: RouteSpec<Body, Query, Params>,
): RouteSpec<Body, Query, Params> {
  return spec;
}

/** Schemas shared by many routes. */
export const common = {
  uuid: { type: 'string', format: 'uuid' },
  /** A run's site key (letters, digits and . _ : -). */
  siteId: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,200}$' },
  idParams: {
    type: 'object',
    properties: { id: { type: 'string', format: 'uuid' } },
    required: ['id'],
    additionalProperties: false,
  },
  pageQuery: {
    type: 'object',
    properties: {
      limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
      offset: { type: 'integer', minimum: 0, maximum: 10_000_000, default: 0 },
    },
    additionalProperties: false,
  },
  error: {
    type: 'object',
    properties: {
      error: {
        type: 'object',
        properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
        required: ['code', 'message'],
      },
    },
    required: ['error'],
  },
} as const;

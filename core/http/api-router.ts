/**
 * Turns route declarations into a @koa/router with, per route: authentication,
 * per-principal rate limit, scope check, validation of params, query and body,
 * then the handler. The same declarations feed the OpenAPI document.
 */
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { ValidateFunction } from 'ajv';
import { HubError } from '../errors.js';
import { hasScope } from '../auth/scopes.js';
import type { Principal } from '../auth/principal.js';
import { readJsonBody } from './body.js';
import { assertValid, compileCoercing, compileStrict } from './validation.js';
import type { RouteSpec } from './route.js';

export interface ApiRouterOptions {
  prefix: string;
  routes: RouteSpec[];
  authenticate: Middleware;
  limitByPrincipal: Middleware;
  bodyLimitBytes: number;
}

interface CompiledValidators {
  params?: ValidateFunction;
  query?: ValidateFunction;
  body?: ValidateFunction;
}

function compile(route: RouteSpec): CompiledValidators {
  return {
    params: route.params ? compileCoercing(route.params) : undefined,
    query: route.query ? compileCoercing(route.query) : undefined,
    body: route.body ? compileStrict(route.body) : undefined,
  };
}

function routeHandler(route: RouteSpec, validators: CompiledValidators, bodyLimitBytes: number): Middleware {
  return async function handleRoute(ctx: Context) {
    const principal = ctx.state.principal as Principal | undefined;
    if (route.auth !== 'none' && principal && !hasScope(principal.scopes, route.auth.scope)) {
      throw new HubError('HUB_ERR_AUTH_SCOPE', { message: `This route needs the scope ${route.auth.scope}`, details: { requiredScope: route.auth.scope } });
    }
    const params = { ...(ctx.params as Record<string, string>) };
    if (validators.params) assertValid(validators.params, params, '/params');
    const query: Record<string, unknown> = { ...ctx.query };
    if (validators.query) assertValid(validators.query, query, '/query');
    let body: unknown;
    if (validators.body) {
      body = await readJsonBody(ctx, bodyLimitBytes);
      assertValid(validators.body, body, '/body');
    }
    const result = await route.handler({ body, query, params, principal: principal as Principal, ctx });
    ctx.status = result.status ?? 200;
    if (result.headers) ctx.set(result.headers);
    if (result.body !== undefined) ctx.body = result.body;
    else if (ctx.status !== 204) ctx.body = '';
  };
}

export function buildApiRouter(options: ApiRouterOptions): Router {
  const router = new Router({ prefix: options.prefix });
  for (const route of options.routes) {
    const chain: Middleware[] = [];
    if (route.auth !== 'none') chain.push(options.authenticate, options.limitByPrincipal);
    chain.push(routeHandler(route, compile(route), options.bodyLimitBytes));
    router.register(route.path, [route.method], chain, { name: route.operationId });
  }
  return router;
}

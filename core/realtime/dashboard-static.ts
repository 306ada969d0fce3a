/**
 * Serves the dashboard (the static files in `dashboard/`) from the hub at `/`.
 * It lives next to the realtime server because the page is realtime's client;
 * the folder is plain HTML/CSS/JS, so there is no build step. Only `/`,
 * `/index.html` and `/assets/*` are served from disk; every other path falls
 * through to the API. The page gets a strict Content-Security-Policy: its
 * own scripts and styles only, and network access to its own origin only
 * (REST API and Socket.IO).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Middleware } from 'koa';
import serve from 'koa-static';

const dashboardRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dashboard');

const securityHeaders = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-cache',
};

function isDashboardPath(p: string): boolean {
  return p === '/' || p === '/index.html' || (p.startsWith('/assets/') && !p.includes('..'));
}

export function dashboardStatic(root = dashboardRoot): Middleware {
  const files = serve(root, { index: 'index.html', hidden: false, defer: false, gzip: false, brotli: false });
  return async function serveDashboard(ctx, next) {
    if ((ctx.method !== 'GET' && ctx.method !== 'HEAD') || !isDashboardPath(ctx.path)) return next();
    try {
      await files(ctx, async () => undefined);
    } catch (err) {
      // koa-send refuses traversal (403) and undecodable paths (400): to a caller that is simply no such page.
      const status = (err as { status?: number }).status;
      if (status !== undefined && status >= 400 && status < 500) return next();
      throw err;
    }
    if (ctx.body === undefined || ctx.body === null) return next();
    ctx.set(securityHeaders);
  };
}

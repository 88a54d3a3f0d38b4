import type { Context, Hono, Next } from 'hono';
import { serveStatic } from '@hono/node-server/serve-static';

/** Vite names built assets after their content hash, so a URL under `assets/` never changes meaning. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * Serves the built web UI from `root` (a folder holding `index.html` and `assets/`): `GET /` answers
 * the app with `no-cache` (so a new release shows at once), other files are served as they are, and
 * anything missing falls through to the 404 handler. Register it after the API routes: those keep
 * priority because Hono runs handlers in registration order.
 */
export function registerUi(app: Hono, root: string, basePath: string): void {
  const strip = (path: string) =>
    basePath && path.startsWith(basePath) ? path.slice(basePath.length) : path;
  const index = serveStatic({ root, path: 'index.html' });
  const files = serveStatic({ root, rewriteRequestPath: strip });
  const withCache =
    (handler: typeof files, cacheControl: (c: Context) => string) => async (c: Context, next: Next) => {
      const response = await handler(c, next);
      if (response) response.headers.set('cache-control', cacheControl(c));
      return response;
    };
  // Under a prefix, `/prefix` must become `/prefix/`: the app's asset and API URLs are relative.
  const noSlash = (c: Context) => basePath !== '' && !new URL(c.req.url).pathname.endsWith('/');
  app.get('/', async (c, next) =>
    noSlash(c) ? c.redirect(`${basePath}/`, 301) : withCache(index, () => 'no-cache')(c, next),
  );
  app.get(
    '/index.html',
    withCache(index, () => 'no-cache'),
  );
  app.get(
    '/*',
    withCache(files, (c) => (strip(c.req.path).startsWith('/assets/') ? IMMUTABLE : 'no-cache')),
  );
}

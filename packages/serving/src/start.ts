import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { ScoringAppOptions } from './app.js';
import { createScoringApp } from './app.js';

export interface ScoringServerOptions extends ScoringAppOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
}

export interface RunningScoringServer {
  /** `http://host:port`. */
  url: string;
  server: Server;
  /**
   * Stops accepting connections and lets requests in flight finish (connections still busy after
   * `deadlineMs`, default 30 s, are cut). The models are not closed: their owner closes them.
   */
  close(deadlineMs?: number): Promise<void>;
}

/** Listens with the scoring app of `options` (see createScoringApp). */
export async function startScoringServer(options: ScoringServerOptions): Promise<RunningScoringServer> {
  const { host, port, ...appOptions } = options;
  const app = createScoringApp(appOptions);
  const server = await new Promise<Server>((ready, fail) => {
    const s = serve({ fetch: app.fetch, hostname: host, port }, () => ready(s as Server)) as Server;
    s.once('error', fail);
  });
  server.keepAliveTimeout = 65_000;
  const address = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    server,
    close(deadlineMs = 30_000) {
      closing ??= (async () => {
        const closed = new Promise<void>((done) => server.close(() => done()));
        const sweep = setInterval(() => server.closeIdleConnections(), 50);
        const deadline = setTimeout(() => server.closeAllConnections(), deadlineMs);
        try {
          server.closeIdleConnections();
          await closed;
        } finally {
          clearInterval(sweep);
          clearTimeout(deadline);
        }
      })();
      return closing;
    },
  };
}

import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { startServer } from '@ferry/server';
import type { RunningServer } from '@ferry/server';
import { TrackingSession } from '@ferry/sdk';

/** A writable that keeps what is written, for a run's stdout or stderr. */
export function collector(): PassThrough & { text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return Object.assign(stream, { text: () => text });
}

/**
 * Whether a process still runs. A zombie (ended, waiting to be reaped by a parent that may not do it in
 * a container) answers kill(pid, 0) too, so /proc's state decides then.
 */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Polls until `check` holds (each test's own timeout bounds the wait). */
export async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((done) => setTimeout(done, 50));
}

export async function runOf(session: TrackingSession, runId: string) {
  const run = await session.getRun(runId);
  const pairs = (list: { key: string; value: string }[] | undefined) =>
    Object.fromEntries((list ?? []).map((e) => [e.key, e.value]));
  return {
    info: run.info,
    params: pairs(run.data.params),
    tags: pairs(run.data.tags),
    metrics: Object.fromEntries((run.data.metrics ?? []).map((m) => [m.key, m.value])),
  };
}

/** A run artifact as text. */
export async function artifactText(session: TrackingSession, runId: string, path: string): Promise<string> {
  return new TextDecoder().decode(await session.client.getArtifact(runId, path));
}

/** A tracking server on a fresh SQLite database in a temporary folder, with a session on it. */
export interface TestTrackingServer {
  dir: string;
  server: RunningServer;
  session: TrackingSession;
  /** Closes the session and the server, and removes the folder. */
  close(): Promise<void>;
}

export async function startTrackingServer(prefix: string): Promise<TestTrackingServer> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const server = await startServer({
    host: '127.0.0.1',
    port: 0,
    backendStoreUri: `sqlite:///${join(dir, 'ferry.db')}`,
    artifactsDestination: join(dir, 'artifacts'),
    serveArtifacts: true,
  });
  const session = new TrackingSession({ trackingUri: server.url, env: {}, captureSource: false });
  return {
    dir,
    server,
    session,
    async close() {
      await session.close();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { startServer } from '@ferry/server';
import type { RunningServer } from '@ferry/server';

const WEB = join(dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = join(WEB, '..', '..');
export const DIST = join(WEB, 'dist');
export const CHROMIUM = '/usr/bin/chromium';

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

/**
 * The built app's folder, building it first when `dist` is missing or older than its sources (the
 * tests must never look at a stale build).
 */
export function builtUi(): string {
  const index = join(DIST, 'index.html');
  const sources = Math.max(
    newestMtime(join(WEB, 'src')),
    newestMtime(join(WEB, 'index.html')),
    newestMtime(join(WEB, 'vite.config.ts')),
  );
  if (!existsSync(index) || statSync(index).mtimeMs < sources) {
    // Vitest sets NODE_ENV=test, which would give a development build of React: build what ships.
    execFileSync('npm', ['run', 'build', '-w', '@ferry/web'], {
      cwd: ROOT,
      stdio: 'pipe',
      env: { ...process.env, NODE_ENV: 'production' },
    });
  }
  if (!existsSync(index)) throw new Error(`The web UI did not build: ${index} is missing`);
  return DIST;
}

/** Debian's chromium, headless; fails loudly (never skips) when it is not installed. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install it with 'apt-get install -y chromium' (see .ci/run)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
}

/** Saves `docs/screenshots/<name>.png`, only when FERRY_UPDATE_SCREENSHOTS=1. */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env.FERRY_UPDATE_SCREENSHOTS !== '1') return;
  const folder = join(ROOT, 'docs', 'screenshots');
  await mkdir(folder, { recursive: true });
  await page.screenshot({ path: join(folder, `${name}.png`) });
}

/** A JSON client for the server's REST API. */
export function restClient(baseUrl: string) {
  return async function call<T = Record<string, unknown>>(
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    body?: unknown,
  ): Promise<T> {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : typeof body === 'string'
          ? { body }
          : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return (text ? JSON.parse(text) : {}) as T;
  };
}

/**
 * A real `ferry server` on a fresh SQLite database in a new temporary folder (removed by the caller),
 * serving artifacts and the built UI, on a free port.
 */
export async function startUiServer(prefix: string): Promise<{ dir: string; server: RunningServer }> {
  const uiRoot = builtUi();
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const server = await startServer({
    host: '127.0.0.1',
    port: 0,
    backendStoreUri: `sqlite:///${join(dir, 'ferry.db')}`,
    artifactsDestination: join(dir, 'artifacts'),
    serveArtifacts: true,
    uiRoot,
  });
  return { dir, server };
}

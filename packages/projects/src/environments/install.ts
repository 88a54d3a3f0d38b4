import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

/** Where environments are cached: the option, else FERRY_ENV_CACHE, else ~/.ferry/envs. */
export function envCacheRoot(option: string | undefined, env: Record<string, string | undefined>): string {
  return option ?? (env.FERRY_ENV_CACHE || join(homedir(), '.ferry', 'envs'));
}

/** Written last into a cached environment: a folder without it was never finished. */
export const READY_MARKER = '.ferry-env-ready';

export function specHash(...parts: (string | Buffer)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('hex').slice(0, 32);
}

/** PATH with `dir` first. */
export function pathWith(dir: string, env: Record<string, string | undefined>): string {
  return env.PATH ? `${dir}${delimiter}${env.PATH}` : dir;
}

/** Whether an executable of that name is on PATH. */
export async function onPath(name: string, env: Record<string, string | undefined>): Promise<boolean> {
  const { access, constants } = await import('node:fs/promises');
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      await access(join(dir, name), constants.X_OK);
      return true;
    } catch {
      // Not in this folder.
    }
  }
  return false;
}

export interface InstallResult {
  code: number;
  /** What the installer printed (its last 64 KB), for error messages. */
  tail: string;
}

/** Runs an installer, streaming its output; never rejects (a missing program is code 127). */
export function runInstaller(
  argv: string[],
  options: { cwd: string; env: Record<string, string | undefined>; output: (text: string) => void },
): Promise<InstallResult> {
  return new Promise((resolve) => {
    let tail = '';
    const keep = (chunk: Buffer) => {
      const text = chunk.toString();
      options.output(text);
      tail = (tail + text).slice(-65536);
    };
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', (error) => resolve({ code: 127, tail: `${tail}${error.message}` }));
    child.once('close', (code) => resolve({ code: code ?? 1, tail }));
  });
}

/** The first lines npm marks as errors (its usage text follows some of them), else the last lines. */
export function npmErrorLines(text: string, count = 3): string {
  const errors = text.split('\n').filter((line) => /^npm (error|ERR!) \S/.test(line));
  return errors.length ? errors.slice(0, count).join('\n') : lastLines(text, count);
}

/** The last lines of an installer's output, for an error message. */
export function lastLines(text: string, count = 8): string {
  return text.trim().split('\n').slice(-count).join('\n');
}

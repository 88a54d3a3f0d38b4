import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { TrackingSession } from '../src/index.js';

// A real process that logs and then simply ends: the SDK must flush and finish the run on its way out.
const SDK = join(dirname(fileURLToPath(import.meta.url)), '../dist/index.js');
let dir: string;
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('process exit', () => {
  it('flushes queued metrics and ends the run FINISHED when the script returns without end()', async () => {
    if (!existsSync(SDK)) throw new Error(`${SDK} is missing: run \`npm run build\` first`);
    dir = await mkdtemp(join(tmpdir(), 'ferry-exit-'));
    const uri = `sqlite:///${join(dir, 'exit.db')}`;
    const script = `
      import { TrackingSession } from ${JSON.stringify(pathToFileURL(SDK).href)};
      const ferry = new TrackingSession({ trackingUri: ${JSON.stringify(uri)}, env: {}, captureSource: false });
      const run = await ferry.startRun();
      for (let i = 0; i < 5000; i++) run.logMetric('m', i, { step: i });
      console.log(run.runId);
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      cwd: dir,
    });
    const runId = stdout.trim();
    const check = new TrackingSession({ trackingUri: uri, env: {}, captureSource: false });
    const run = await check.getRun(runId);
    expect(run.info.status).toBe('FINISHED');
    expect(await check.getMetricHistory(runId, 'm')).toHaveLength(5000);
    await check.close();
  });
});

import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { Command } from 'commander';
import { withSession, withTrackingOptions } from '../tracking.js';

/** CSV field: quoted when it holds a comma, quote or line break. */
const csv = (v: string | number): string => {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

/** `ferry metrics export`: metric histories as CSV (run_id,key,step,timestamp,value). */
export function metricsCommand(): Command {
  const cmd = new Command('metrics').description('Read metric histories');
  withTrackingOptions(cmd.command('export').description('Write metric histories of runs as CSV'))
    .requiredOption('-r, --run-id <id...>', 'run id(s)')
    .option('-k, --key <key...>', 'metric keys (default: every metric of each run)')
    .option('-o, --output <file>', 'write to a file instead of standard output')
    .action((opts: { trackingUri?: string; runId: string[]; key?: string[]; output?: string }) =>
      withSession(opts, async (s) => {
        const out = opts.output ? createWriteStream(opts.output) : process.stdout;
        const write = async (line: string) => {
          if (!out.write(`${line}\n`)) await once(out, 'drain');
        };
        await write('run_id,key,step,timestamp,value');
        for (const runId of opts.runId) {
          const keys =
            opts.key ?? ((await s.client.getRun(runId)).data.metrics ?? []).map((m) => m.key).sort();
          for (const key of keys) {
            for (const m of await s.client.getMetricHistory(runId, key)) {
              await write(
                [runId, key, m.step, m.timestamp, Number.isNaN(m.value) ? 'NaN' : m.value].map(csv).join(','),
              );
            }
          }
        }
        if (opts.output) {
          out.end();
          await once(out, 'finish');
        }
      }),
    );
  return cmd;
}

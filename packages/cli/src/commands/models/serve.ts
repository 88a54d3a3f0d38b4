import type { Command } from 'commander';
import { startScoringServer } from '@ferry/serving';
import { sessionFor, withTrackingOptions } from '../../tracking.js';
import { followModel } from './serve-follow.js';
import { positiveInteger } from './shared.js';
import type { Opts } from './shared.js';

const portNumber = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`invalid port '${v}'`);
  return n;
};

type ServeOpts = Opts & { model: string; host: string; port: number; pollSeconds: number; maxBodyMb: number };

/**
 * `ferry models serve -m <model-uri>`: a scoring server speaking MLflow's `/invocations` and the Open
 * Inference Protocol v2 for one model, following its alias (or stage, or latest) in the registry.
 */
export function addServeCommand(cmd: Command): void {
  withTrackingOptions(
    cmd
      .command('serve')
      .description(
        'Serve a model over MLflow /invocations and Open Inference Protocol v2, following its alias',
      )
      .requiredOption(
        '-m, --model <model-uri>',
        'models:/name@alias, models:/name/<version|stage|latest>, runs:/..., a path',
      ),
  )
    .option('-h, --host <host>', 'address to listen on', '127.0.0.1')
    .option('-p, --port <port>', 'port to listen on (0: any free port)', portNumber, 5001)
    .option(
      '--poll-seconds <n>',
      'how often to check whether the alias moved',
      positiveInteger('interval'),
      10,
    )
    .option('--max-body-mb <n>', 'largest request body accepted (413 beyond)', positiveInteger('size'), 50)
    .action(async (opts: ServeOpts) => {
      const session = sessionFor(opts);
      const log = (message: string) => console.error(`ferry models serve: ${message}`);
      const followed = await followModel(session, opts.model, { pollMs: opts.pollSeconds * 1000, log });
      const server = await startScoringServer({
        host: opts.host,
        port: opts.port,
        target: followed.target.provider,
        maxBodyBytes: opts.maxBodyMb * 2 ** 20,
        log: (message, error) => log(error ? `${message}: ${(error as Error).message}` : message),
      });
      console.log(`Ferry scoring server listening on ${server.url}`);
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        void (async () => {
          await server.close();
          await followed.close();
          await session.close();
          process.exit(0);
        })();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
}

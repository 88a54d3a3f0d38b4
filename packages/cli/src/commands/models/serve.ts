import cluster from 'node:cluster';
import type { Command } from 'commander';
import {
  ServingMetrics,
  announceListening,
  batchingModel,
  canaryTarget,
  runPrimary,
  startScoringServer,
  workerMetrics,
} from '@ferry/serving';
import { sessionFor, withTrackingOptions } from '../../tracking.js';
import { followModel } from './serve-follow.js';
import type { FollowedModel } from './serve-follow.js';
import { positiveInteger } from './shared.js';
import type { Opts } from './shared.js';

const portNumber = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`invalid port '${v}'`);
  return n;
};

const nonNegativeNumber =
  (what: string) =>
  (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < 0)
      throw new Error(`invalid ${what} '${v}': use a number ≥ 0`);
    return n;
  };

/** `<model-uri>:<percent>`, e.g. `models:/churn@challenger:10`. */
export function parseCanary(value: string): { uri: string; percent: number } {
  const match = /^(.+):(\d+(?:\.\d+)?)$/.exec(value);
  const percent = match ? Number(match[2]) : NaN;
  if (!match || !(percent >= 0 && percent <= 100)) {
    throw new Error(`invalid canary '${value}': use <model-uri>:<percent>, e.g. models:/name@challenger:10`);
  }
  return { uri: match[1]!, percent };
}

type ServeOpts = Opts & {
  model: string;
  host: string;
  port: number;
  pollSeconds: number;
  maxBodyMb: number;
  workers: number;
  timeout: number;
  canary?: { uri: string; percent: number };
  batchMaxSize?: number;
  batchMaxWaitMs: number;
};

/**
 * `ferry models serve -m <model-uri>`: a scoring server speaking MLflow's `/invocations` and the Open
 * Inference Protocol v2 for one model, following its alias (or stage, or latest) in the registry;
 * optionally with a canary version, adaptive batching and several worker processes.
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
    .option('-w, --workers <n>', 'worker processes serving the port', positiveInteger('worker count'), 1)
    .option(
      '-t, --timeout <seconds>',
      'answer 504 to a request not answered within this time (0: no limit)',
      nonNegativeNumber('timeout'),
      60,
    )
    .option(
      '--canary <model-uri:percent>',
      'send this share of requests to a second model, e.g. models:/name@challenger:10',
      parseCanary,
    )
    .option(
      '--batch-max-size <rows>',
      'predict concurrent requests together, up to this many rows per model call',
      positiveInteger('batch size'),
    )
    .option(
      '--batch-max-wait-ms <ms>',
      'longest a request waits for others to join its batch',
      nonNegativeNumber('batch wait'),
      5,
    )
    .option(
      '--poll-seconds <n>',
      'how often to check whether the alias moved',
      positiveInteger('interval'),
      10,
    )
    .option('--max-body-mb <n>', 'largest request body accepted (413 beyond)', positiveInteger('size'), 50)
    .action(async (opts: ServeOpts) => {
      const log = (message: string) => console.error(`ferry models serve: ${message}`);
      if (opts.workers > 1 && cluster.isPrimary) {
        await runPrimary({
          workers: opts.workers,
          log,
          onListening: (url) =>
            console.log(`Ferry scoring server listening on ${url} (${opts.workers} workers)`),
        }).catch((error: Error) => {
          log(error.message);
          process.exitCode = 1;
        });
        return;
      }
      await serve(opts, log);
    });
}

/** One serving process: the whole server, or one worker of a cluster. */
async function serve(opts: ServeOpts, log: (message: string) => void): Promise<void> {
  const session = sessionFor(opts);
  const batching = opts.batchMaxSize;
  const follow = (uri: string) =>
    followModel(session, uri, {
      pollMs: opts.pollSeconds * 1000,
      log,
      ...(batching !== undefined
        ? {
            prepare: (model) =>
              batchingModel(model, { maxBatchSize: batching, maxWaitMs: opts.batchMaxWaitMs }),
          }
        : {}),
    });
  const followed: FollowedModel[] = [await follow(opts.model)];
  if (opts.canary) followed.push(await follow(opts.canary.uri));
  const [primary, canary] = followed;
  const metrics = new ServingMetrics();
  const server = await startScoringServer({
    host: opts.host,
    port: opts.port,
    target: canary
      ? canaryTarget(primary!.target.provider, canary.target.provider, opts.canary!.percent)
      : primary!.target.provider,
    maxBodyBytes: opts.maxBodyMb * 2 ** 20,
    requestTimeoutMs: opts.timeout * 1000,
    metrics,
    ...(cluster.isWorker ? { gatherMetrics: workerMetrics(metrics) } : {}),
    log: (message, error) => log(error ? `${message}: ${(error as Error).message}` : message),
  });
  if (canary) log(`canary: ${opts.canary!.percent}% of requests go to ${opts.canary!.uri}`);
  if (cluster.isWorker) announceListening(server.url);
  else console.log(`Ferry scoring server listening on ${server.url}`);
  const stop = () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    void (async () => {
      await server.close();
      for (const f of followed) await f.close();
      await session.close();
      process.exit(0);
    })();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

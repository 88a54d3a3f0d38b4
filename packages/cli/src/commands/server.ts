import cluster from 'node:cluster';
import { Command, Option } from 'commander';
import { prepareDatabase, startServer } from '@ferry/server';
import type { ServerConfig } from '@ferry/server';

const DEFAULT_DATA = './ferry-data';

function envBool(name: string): boolean | undefined {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  return /^(1|true|yes|on)$/i.test(v);
}

function integerIn(min: number, max: number, what: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`invalid ${what} '${v}' (${min}-${max})`);
    return n;
  };
}

/** Runs one server process until SIGTERM/SIGINT, then shuts it down gracefully. */
async function serve(config: ServerConfig): Promise<void> {
  const server = await startServer(config);
  const shutdown = (signal: string): void => {
    console.log(`${signal}: finishing in-flight requests, then closing the database`);
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('ferry: shutdown failed:', error);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

/**
 * The primary of `--workers N`: migrates once, forks N server processes that share the port,
 * replaces any that dies, and on SIGTERM/SIGINT stops them all gracefully before exiting.
 */
async function supervise(config: ServerConfig, workers: number): Promise<void> {
  await prepareDatabase(config);
  let stopping = false;
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    console.error(`ferry: worker ${worker.process.pid} exited (${signal ?? code}); starting a new one`);
    cluster.fork();
  });
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping ${workers} workers`);
    const alive = Object.values(cluster.workers ?? {}).filter((w) => w !== undefined);
    let remaining = alive.length;
    if (remaining === 0) process.exit(0);
    for (const w of alive) {
      w.once('exit', () => {
        if (--remaining === 0) process.exit(0);
      });
      w.process.kill('SIGTERM');
    }
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

/** `ferry server`: the flags of `mlflow server`, each also settable as a FERRY_* variable. */
export function serverCommand(): Command {
  return (
    new Command('server')
      .description('Run the tracking server (MLflow REST API, artifact proxy, web UI)')
      // `-h` is the host, as in `mlflow server`; help stays on --help.
      .helpOption('--help', 'display help for command')
      .addOption(
        new Option('-h, --host <host>', 'network address to listen on')
          .env('FERRY_HOST')
          .default('127.0.0.1'),
      )
      .addOption(
        new Option('-p, --port <port>', 'port to listen on')
          .env('FERRY_PORT')
          .default(5000)
          .argParser(integerIn(0, 65535, 'port')),
      )
      .addOption(
        new Option('-w, --workers <n>', 'server processes sharing the port')
          .env('FERRY_WORKERS')
          .default(1)
          .argParser(integerIn(1, 256, 'worker count')),
      )
      .addOption(
        new Option('--backend-store-uri <uri>', 'sqlite:///path.db or postgresql://user:pw@host:port/db')
          .env('FERRY_BACKEND_STORE_URI')
          .default(`sqlite:///${DEFAULT_DATA}/ferry.db`),
      )
      .addOption(
        new Option(
          '--default-artifact-root <uri>',
          'artifact location of new experiments (default: mlflow-artifacts:/ when serving artifacts)',
        ).env('FERRY_DEFAULT_ARTIFACT_ROOT'),
      )
      .addOption(
        new Option('--artifacts-destination <path>', 'folder or file:// URI where served artifacts are kept')
          .env('FERRY_ARTIFACTS_DESTINATION')
          .default(`${DEFAULT_DATA}/artifacts`),
      )
      .option('--serve-artifacts', 'proxy artifact uploads and downloads through the server (default)')
      .option('--no-serve-artifacts', 'do not serve artifacts; clients write to the artifact root themselves')
      .addOption(
        new Option('--static-prefix <prefix>', 'serve every route under this path prefix, e.g. /mlflow').env(
          'FERRY_STATIC_PREFIX',
        ),
      )
      // Options of MLflow's Python web servers: accepted so `mlflow server` command lines keep working.
      .option('--no-ui', 'serve the API only, without the web UI at /')
      .addOption(new Option('--gunicorn-opts <opts>').hideHelp())
      .addOption(new Option('--uvicorn-opts <opts>').hideHelp())
      .addOption(new Option('--waitress-opts <opts>').hideHelp())
      .action(async (opts: Record<string, unknown>, cmd: Command) => {
        for (const ignored of ['gunicornOpts', 'uvicornOpts', 'waitressOpts']) {
          if (opts[ignored] !== undefined)
            console.warn(`ferry: --${ignored.replace('Opts', '-opts')} has no effect`);
        }
        const flagSource = cmd.getOptionValueSource('serveArtifacts');
        const config: ServerConfig = {
          host: opts.host as string,
          port: opts.port as number,
          backendStoreUri: opts.backendStoreUri as string,
          artifactsDestination: opts.artifactsDestination as string,
          serveArtifacts:
            flagSource === 'cli' ? opts.serveArtifacts !== false : (envBool('FERRY_SERVE_ARTIFACTS') ?? true),
          ...(opts.defaultArtifactRoot ? { defaultArtifactRoot: opts.defaultArtifactRoot as string } : {}),
          ...(opts.staticPrefix ? { staticPrefix: opts.staticPrefix as string } : {}),
          ...(opts.ui === false || envBool('FERRY_NO_UI') ? { uiRoot: false as const } : {}),
          log: (m) => console.log(m),
        };
        const workers = opts.workers as number;
        if (workers > 1 && cluster.isPrimary) await supervise(config, workers);
        else await serve(cluster.isWorker ? { ...config, migrate: false } : config);
      })
  );
}

import { Command, Option } from 'commander';
import { startServer } from '@ferry/server';

const DEFAULT_DATA = './ferry-data';

function envBool(name: string): boolean | undefined {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  return /^(1|true|yes|on)$/i.test(v);
}

/** `ferry server`: the flags of `mlflow server`, each also settable as a FERRY_* variable. */
export function serverCommand(): Command {
  return new Command('server')
    .description('Run the tracking server (MLflow REST API, artifact proxy)')
    .addOption(
      new Option('--host <host>', 'network address to listen on').env('FERRY_HOST').default('127.0.0.1'),
    )
    .addOption(
      new Option('-p, --port <port>', 'port to listen on')
        .env('FERRY_PORT')
        .default(5000)
        .argParser((v) => {
          const n = Number(v);
          if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`invalid port '${v}'`);
          return n;
        }),
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
    .action(async (opts: Record<string, unknown>, cmd: Command) => {
      const flagSource = cmd.getOptionValueSource('serveArtifacts');
      const serveArtifacts =
        flagSource === 'cli' ? opts.serveArtifacts !== false : (envBool('FERRY_SERVE_ARTIFACTS') ?? true);
      const server = await startServer({
        host: opts.host as string,
        port: opts.port as number,
        backendStoreUri: opts.backendStoreUri as string,
        artifactsDestination: opts.artifactsDestination as string,
        serveArtifacts,
        ...(opts.defaultArtifactRoot ? { defaultArtifactRoot: opts.defaultArtifactRoot as string } : {}),
        log: (m) => console.log(m),
      });
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
    });
}

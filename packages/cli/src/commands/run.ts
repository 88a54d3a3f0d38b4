import { Command, Option } from 'commander';
import { ENV_MANAGERS, parseParameterAssignment, runProject } from '@ferry/projects';
import type { RunProjectOptions, SubmittedRun } from '@ferry/projects';
import type { OutputOptions } from '../output.js';
import { sessionFor, withTrackingOptions } from '../tracking.js';

export type ProjectRunOpts = OutputOptions & {
  trackingUri?: string;
  experimentName?: string;
  experimentId?: string;
  runName?: string;
  envManager?: string;
  detach?: boolean;
};

/** The options `ferry run` and `ferry runs reproduce` share. */
export function withProjectRunOptions(command: Command): Command {
  return withTrackingOptions(command)
    .option('--experiment-name <name>', 'log into this experiment (created if needed)')
    .option('--experiment-id <id>', 'log into the experiment with this id')
    .option('--run-name <name>', 'name of the new run')
    .addOption(
      new Option('--env-manager <manager>', 'environment to run in (default: from the project)').choices([
        ...ENV_MANAGERS,
      ]),
    )
    .option('--detach', 'start the run, print its id and return; the run ends by itself');
}

/** Shell convention for a command ended by Ctrl-C. */
const INTERRUPTED_EXIT_CODE = 130;

/**
 * Starts a project run with the command's options and reports it: the run id once the run exists
 * (stderr, so stdout stays the command's), its output as it comes, and the command's exit code as
 * ours. Ctrl-C (or SIGTERM) stops the command's process tree and marks the run KILLED.
 */
export async function runAndReport(
  opts: ProjectRunOpts,
  start: (options: Omit<RunProjectOptions, 'uri'>) => Promise<SubmittedRun>,
): Promise<void> {
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const session = sessionFor(opts);
  try {
    const result = await start({
      session,
      signal: abort.signal,
      ...(opts.trackingUri ? { trackingUri: opts.trackingUri } : {}),
      ...(opts.experimentName ? { experimentName: opts.experimentName } : {}),
      ...(opts.experimentId ? { experimentId: opts.experimentId } : {}),
      ...(opts.runName ? { runName: opts.runName } : {}),
      ...(opts.envManager ? { envManager: opts.envManager } : {}),
      ...(opts.detach ? { detach: true } : {}),
      onRunCreated: ({ runId, experimentId }) =>
        console.error(`Run ${runId} started (experiment ${experimentId})`),
    });
    if (opts.json) {
      const { runId, experimentId, status, exitCode, pid } = result;
      console.log(
        JSON.stringify({ run_id: runId, experiment_id: experimentId, status, exit_code: exitCode, pid }),
      );
    }
    if (opts.detach) {
      if (!opts.json) console.log(result.runId);
      console.error(`Run ${result.runId} detached (pid ${result.pid}); its output goes to ${result.logPath}`);
      return;
    }
    console.error(`Run ${result.runId} ${result.status} (exit code ${result.exitCode})`);
    process.exitCode = result.status === 'KILLED' ? INTERRUPTED_EXIT_CODE : result.exitCode;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await session.close();
  }
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** `ferry run <dir | git-url>[#subdir]`: runs an MLflow project (MLproject) as a tracked run. */
export function runCommand(): Command {
  return withProjectRunOptions(
    new Command('run')
      .description('Run a project (a folder or git repository with an MLproject file) as a tracked run')
      .argument('<uri>', 'project folder or git URI, optionally with #subdirectory')
      .option('-e, --entry-point <name>', 'entry point of the project, or a script file', 'main')
      .option('-P, --param <key=value>', 'a parameter (repeatable)', collect, [])
      .option('-v, --version <version>', 'commit, branch or tag of a git project')
      .option('--run-id <id>', 'run in this existing run (not ended) instead of creating one'),
  ).action(
    (
      uri: string,
      opts: ProjectRunOpts & { entryPoint: string; param: string[]; version?: string; runId?: string },
    ) =>
      runAndReport(opts, (options) =>
        runProject({
          ...options,
          uri,
          entryPoint: opts.entryPoint,
          parameters: Object.fromEntries(opts.param.map(parseParameterAssignment)),
          ...(opts.version ? { version: opts.version } : {}),
          ...(opts.runId ? { runId: opts.runId } : {}),
        }),
      ),
  );
}

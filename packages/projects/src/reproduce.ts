/**
 * Running a project run again: the same source (`mlflow.source.name`), at the same commit for git
 * sources, with the same entry point, parameters and environment manager. A local folder is run as it
 * is now; when its HEAD is no longer the recorded commit, that is said before the run starts.
 */

import { FerryError } from '@ferry/core';
import { TrackingSession, trackingUriFromEnv } from '@ferry/sdk';
import { projectError } from './errors.js';
import { runProject } from './run-project.js';
import type { RunProjectOptions, SubmittedRun } from './run-project.js';
import { fetchProject, isGitUri, splitProjectUri } from './source.js';
import { PROJECT_SOURCE_TYPE, TAGS } from './tags.js';

export type ReproduceOptions = Omit<RunProjectOptions, 'uri' | 'entryPoint' | 'parameters' | 'version'>;

export async function reproduceRun(runId: string, options: ReproduceOptions = {}): Promise<SubmittedRun> {
  const env = options.env ?? process.env;
  const session =
    options.session ??
    new TrackingSession({
      trackingUri: options.trackingUri ?? trackingUriFromEnv(env),
      env,
      captureSource: false,
    });
  let run;
  try {
    run = await session.client.getRun(runId);
  } finally {
    if (!options.session) await session.close();
  }
  const tags = Object.fromEntries((run.data.tags ?? []).map((t) => [t.key, t.value]));
  const uri = tags[TAGS.sourceName];
  if (tags[TAGS.sourceType] !== PROJECT_SOURCE_TYPE || !uri) {
    throw projectError(
      `Run ${runId} is not a project run (its ${TAGS.sourceType} is ${tags[TAGS.sourceType] ?? 'not set'}): only runs started with \`ferry run\` or \`mlflow run\` can be reproduced.`,
    );
  }
  const commit = tags[TAGS.gitCommit];
  const cloned = isGitUri(splitProjectUri(uri).base) || tags[TAGS.version] !== undefined;
  if (cloned && !commit) {
    throw new FerryError(
      'INVALID_PARAMETER_VALUE',
      `Run ${runId} came from ${uri} but recorded no commit to check out.`,
    );
  }
  if (!cloned && commit) {
    const now = (await fetchProject(uri)).git?.commit;
    if (now !== commit) {
      (options.stderr ?? process.stderr).write(
        `[ferry] warning: run ${runId} used commit ${commit} of ${uri}, which is now at ${now ?? 'no commit'}: running the files as they are now.\n`,
      );
    }
  }
  const given = tags[TAGS.parameters];
  const parameters = given
    ? (JSON.parse(given) as Record<string, string>)
    : Object.fromEntries((run.data.params ?? []).map((p) => [p.key, p.value]));
  const envManager = options.envManager ?? tags[TAGS.env];
  return runProject({
    ...options,
    uri,
    entryPoint: tags[TAGS.entryPoint] ?? 'main',
    parameters,
    ...(cloned ? { version: commit! } : {}),
    ...(envManager ? { envManager } : {}),
    ...(options.experimentId || options.experimentName ? {} : { experimentId: run.info.experiment_id }),
    tags: { ...options.tags, [TAGS.reproducedFrom]: runId },
  });
}

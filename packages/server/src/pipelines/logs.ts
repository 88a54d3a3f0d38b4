import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { resolveArtifactUri } from '@ferry/artifacts';
import { FerryError, notFound } from '@ferry/core';
import { liveLogPath } from '@ferry/executor';
import type { AppDeps } from '../deps.js';
import { pipelinesOf } from '../routes/pipelines-common.js';

const TEXT = { 'content-type': 'text/plain; charset=utf-8' };

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (info) => info.isFile(),
    () => false,
  );
}

/** The stored log of an attempt: the task's `log_uri` names the latest one, `.../logs/attempt-<n>.log`. */
function storedLogUri(logUri: string, attempt: number): string {
  return logUri.replace(/attempt-\d+\.log$/, `attempt-${attempt}.log`);
}

/**
 * A file at an artifact URI, resolved through its parent folder (a local path URI resolves to a store
 * rooted at that path, which cannot name itself as a file); undefined when it is not there.
 */
async function openArtifactFile(
  deps: AppDeps,
  uri: string,
): Promise<{ body: AsyncIterable<Uint8Array>; size: number } | undefined> {
  const cut = uri.replace(/\/+$/, '').lastIndexOf('/');
  const { store, prefix } = resolveArtifactUri(uri.slice(0, cut), deps.artifactProxy);
  const name = uri.slice(cut + 1);
  try {
    return await store.get(prefix === '' ? name : `${prefix}/${name}`);
  } catch (error) {
    if (error instanceof FerryError && error.code === 'RESOURCE_DOES_NOT_EXIST') return undefined;
    throw error;
  }
}

/**
 * `pipelines/runs/logs`: the log of one attempt of a task (the latest by default) as text. While the
 * attempt runs, the live local file the executor writes; afterwards the log artifact the controller
 * stored. 404 when there is neither (a task that never ran, or a log not kept).
 */
export async function taskLogResponse(
  deps: AppDeps,
  runId: string,
  taskId: string,
  attempt: number | undefined,
): Promise<Response> {
  const task = await pipelinesOf(deps).getTask(runId, taskId);
  const which = attempt ?? task.attempt;
  const live = deps.pipelineWorkDir ? liveLogPath(deps.pipelineWorkDir, runId, taskId, which) : undefined;
  const running = task.status === 'running' && which === task.attempt;
  if (running && live && (await isFile(live))) {
    return new Response(Readable.toWeb(createReadStream(live)) as ReadableStream, { headers: TEXT });
  }
  if (task.logUri) {
    const file = await openArtifactFile(deps, storedLogUri(task.logUri, which));
    if (file) {
      return new Response(Readable.toWeb(Readable.from(file.body)) as ReadableStream, {
        headers: { ...TEXT, 'content-length': String(file.size) },
      });
    }
  }
  // A finished attempt whose log was not stored (yet) may still be in the work folder.
  if (live && (await isFile(live))) {
    return new Response(Readable.toWeb(createReadStream(live)) as ReadableStream, { headers: TEXT });
  }
  throw notFound(`No log for attempt ${which} of task '${taskId}' of pipeline run ${runId}.`);
}

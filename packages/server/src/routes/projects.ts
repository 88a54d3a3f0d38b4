import { invalidParam } from '@ferry/core';
import type { ComponentSpec, IOSpec, PipelineSpec, ValueRef } from '@ferry/pipeline';
import type { Fields } from '../http/message.js';
import { wireRun } from '../pipelines/wire.js';
import { controllerOf, given, optionalObject } from './pipelines-common.js';
import type { ApiRoute } from './route.js';

/** What a submitted project run names: the project, its entry point, version, environment and parameters. */
interface ProjectRequest {
  uri: string;
  entryPoint: string;
  version?: string;
  envManager?: string;
  parameters: Record<string, string>;
}

function readProjectRequest(fields: Fields): ProjectRequest {
  const uri = given(fields, 'uri');
  if (!uri) throw invalidParam("Missing value for required parameter 'uri': a project folder or git URI.");
  const raw = optionalObject(fields, 'parameters') ?? {};
  const parameters: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!['string', 'number', 'boolean'].includes(typeof value)) {
      throw invalidParam(
        `Project parameter '${key}' must be a string, number or boolean (got ${JSON.stringify(value)}).`,
      );
    }
    parameters[key] = String(value);
  }
  const version = given(fields, 'version');
  const envManager = given(fields, 'env_manager');
  return {
    uri,
    entryPoint: given(fields, 'entry_point') ?? 'main',
    ...(version ? { version } : {}),
    ...(envManager ? { envManager } : {}),
    parameters,
  };
}

/**
 * A one-task pipeline whose task is the project's entry point: the controller then gives a project run
 * what it gives any task — the shared executor and its concurrency limit, a live log, cancel, a lease
 * so another server resumes it, and a tracking run (the task's) that the project logs into.
 */
export function projectRunSpec(request: ProjectRequest): PipelineSpec {
  const inputs: Record<string, IOSpec> = {};
  const args: Record<string, ValueRef> = {};
  for (const [key, value] of Object.entries(request.parameters)) {
    inputs[key] = { kind: 'parameter', schema: { type: 'string' } };
    args[key] = { constant: value };
  }
  const component: ComponentSpec = {
    name: request.entryPoint,
    inputs,
    outputs: {},
    implementation: {
      project: {
        uri: request.uri,
        entryPoint: request.entryPoint,
        ...(request.version ? { version: request.version } : {}),
        ...(request.envManager ? { envManager: request.envManager } : {}),
      },
    },
    // A project run is asked for to run: never answered from a cache.
    options: { cache: { enabled: false } },
  };
  const base =
    request.uri
      .replace(/[#?].*$/, '')
      .replace(/\/+$/, '')
      .split(/[/:]/)
      .pop() || 'project';
  return {
    apiVersion: 'ferry.pipeline/v1',
    name: `project ${base.replace(/\.git$/, '')}`,
    parameters: {},
    tasks: { [request.entryPoint]: { component, arguments: args } },
  };
}

/** Project runs submitted to the server's executor (docs/projects.md, "On a server"). */
export const projectRoutes: ApiRoute[] = [
  {
    method: 'POST',
    path: '/projects/runs/submit',
    async handle({ fields, deps }) {
      const controller = controllerOf(deps);
      const request = readProjectRequest(fields);
      const experimentId = given(fields, 'experiment_id') ?? '0';
      const name = given(fields, 'run_name');
      await deps.store.getExperiment(experimentId);
      const run = await controller.submit({
        spec: projectRunSpec(request),
        experimentId,
        ...(name ? { name } : {}),
      });
      return { run: wireRun(run) };
    },
  },
];

import { z } from 'zod';
import { PipelineCompileError, type CompileIssue } from './errors.js';
import {
  ARTIFACT_TYPES,
  SPEC_API_VERSION,
  type ComponentSpec,
  type Condition,
  type Implementation,
  type IOSpec,
  type Json,
  type PipelineSpec,
  type StepOptions,
  type TaskSpec,
  type ValueRef,
} from './spec.js';
import { validateSpec } from './validate.js';

// zod schemas mirroring spec.ts field by field (strict: unknown keys are errors, so typos in YAML surface).

const json: z.ZodType<Json> = z.json();
const jsonSchema = z.record(z.string(), json);
const artifactType = z.enum(ARTIFACT_TYPES);

const parameterIO = {
  kind: z.literal('parameter'),
  schema: jsonSchema,
  description: z.string().optional(),
  optional: z.boolean().optional(),
  default: json.optional(),
};
const artifactIO = {
  kind: z.literal('artifact'),
  type: artifactType,
  description: z.string().optional(),
  optional: z.boolean().optional(),
};
const outputFrom = { from: z.strictObject({ task: z.string(), output: z.string() }) };

export const ioSpecSchema: z.ZodType<IOSpec> = z.discriminatedUnion('kind', [
  z.strictObject(parameterIO),
  z.strictObject(artifactIO),
]);

const pipelineOutputSchema = z.discriminatedUnion('kind', [
  z.strictObject({ ...outputFrom, ...parameterIO }),
  z.strictObject({ ...outputFrom, ...artifactIO }),
]);

export const stepOptionsSchema: z.ZodType<StepOptions> = z.strictObject({
  image: z.string().optional(),
  resources: z
    .strictObject({ cpu: z.string().optional(), memory: z.string().optional(), gpu: z.number().optional() })
    .optional(),
  env: z.record(z.string(), z.string()).optional(),
  retry: z
    .strictObject({
      count: z.number().int().min(0),
      backoffMs: z.number().min(0).optional(),
      factor: z.number().min(0).optional(),
      maxBackoffMs: z.number().min(0).optional(),
    })
    .optional(),
  timeoutMs: z.number().min(0).optional(),
  cache: z.strictObject({ enabled: z.boolean(), maxAgeMs: z.number().min(0).optional() }).optional(),
});

export const valueRefSchema: z.ZodType<ValueRef> = z.union([
  z.strictObject({ constant: json }),
  z.strictObject({ parameter: z.string() }),
  z.strictObject({ taskOutput: z.strictObject({ task: z.string(), output: z.string() }) }),
  z.strictObject({ loopItem: z.strictObject({ field: z.string().optional() }) }),
  z.strictObject({ runStatus: z.strictObject({}) }),
]);

export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z.strictObject({
      op: z.enum(['==', '!=', '<', '<=', '>', '>=']),
      left: valueRefSchema,
      right: valueRefSchema,
    }),
    z.strictObject({ and: z.array(conditionSchema) }),
    z.strictObject({ or: z.array(conditionSchema) }),
    z.strictObject({ not: conditionSchema }),
  ]),
);

export const implementationSchema: z.ZodType<Implementation> = z.lazy(() =>
  z.union([
    z.strictObject({ command: z.array(z.string()).min(1) }),
    z.strictObject({
      function: z.strictObject({
        module: z.string().min(1),
        export: z.string().min(1),
        codeDigest: z.string(),
      }),
    }),
    z.strictObject({ pipeline: pipelineSpecSchema }),
    z.strictObject({
      project: z.strictObject({
        uri: z.string().min(1),
        entryPoint: z.string().min(1).optional(),
        version: z.string().min(1).optional(),
        envManager: z.string().min(1).optional(),
      }),
    }),
  ]),
);

export const componentSpecSchema: z.ZodType<ComponentSpec> = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  inputs: z.record(z.string(), ioSpecSchema),
  outputs: z.record(z.string(), ioSpecSchema),
  implementation: implementationSchema,
  options: stepOptionsSchema.optional(),
});

export const taskSpecSchema: z.ZodType<TaskSpec> = z.strictObject({
  component: componentSpecSchema,
  arguments: z.record(z.string(), valueRefSchema),
  dependsOn: z.array(z.string()).optional(),
  when: conditionSchema.optional(),
  forEach: z.strictObject({ items: valueRefSchema, parallelism: z.number().optional() }).optional(),
  options: stepOptionsSchema.optional(),
});

export const pipelineSpecSchema: z.ZodType<PipelineSpec> = z.strictObject({
  apiVersion: z.literal(SPEC_API_VERSION),
  name: z.string().min(1),
  description: z.string().optional(),
  parameters: z.record(
    z.string(),
    z.strictObject({ schema: jsonSchema, default: json.optional(), description: z.string().optional() }),
  ),
  tasks: z.record(z.string(), taskSpecSchema),
  exitTask: z.string().optional(),
  outputs: z.record(z.string(), pipelineOutputSchema).optional(),
});

function zodIssues(error: z.ZodError): CompileIssue[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
}

/** Checks shape (zod) then meaning (references, types, cycles...) of a spec; throws PipelineCompileError. */
export function parseSpec(json: unknown): PipelineSpec {
  const result = pipelineSpecSchema.safeParse(json);
  if (!result.success) throw new PipelineCompileError(zodIssues(result.error));
  validateSpec(result.data);
  return result.data;
}

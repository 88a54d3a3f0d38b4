import type { IncomingMessage } from 'node:http';
import { FerryError } from '@ferry/core';
import type { ColSpec, ModelInput, ModelOutput, Schema, TensorSpec } from '@ferry/models';
import { inferenceResponse, makeDataFrame, parseInferenceRequest, tensorValues } from '@ferry/models';
import { PayloadTooLargeError, readBody, utf8 } from './body.js';
import { notReadyMessage } from './mlflow.js';
import type { ModelSlot } from './slots.js';

/**
 * The Open Inference Protocol (KServe v2) REST routes: health, model metadata and readiness, infer.
 * Errors are `{"error": "<message>"}`: 400 for a bad request, 404 for an unknown model or version, 413
 * for a body over the limit, 503 for a model that is not loaded.
 */

export const PLATFORM = 'ferry';
/** The server version `GET /v2` reports. */
export const SERVER_VERSION = '0.1.0';

const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

export const v2Error = (status: number, message: string): Response => json(status, { error: message });

/**
 * The slot a `/v2/models/{name}[/versions/{version}]` path addresses (without a version: the first slot
 * of that name, the one this request was routed to), or the 404 response.
 */
export function findSlot(
  models: readonly ModelSlot[],
  name: string,
  version: string | undefined,
): ModelSlot | Response {
  const named = models.filter((m) => m.name === name);
  if (named.length === 0) return v2Error(404, `Model ${name} not found`);
  if (version === undefined) return named[0]!;
  const slot = named.find((m) => m.version === version);
  if (slot === undefined) {
    const versions = named.filter((m) => m.version !== undefined).map((m) => m.version);
    const served = versions.length === 0 ? 'no version' : `version ${versions.join(', ')}`;
    return v2Error(404, `Model ${name} version ${version} not found (serving ${served})`);
  }
  return slot;
}

/** `GET /v2/health/live`. */
export const live = (): Response => json(200, { live: true });

/** `GET /v2/health/ready`: 200 when every served model is loaded. */
export function serverReady(models: readonly ModelSlot[]): Response {
  if (models.length === 0) return v2Error(503, notReadyMessage(undefined));
  const failed = models.filter((m) => m.model === undefined);
  if (failed.length > 0) return v2Error(503, failed.map(notReadyMessage).join('; '));
  return json(200, { ready: true });
}

/** `GET /v2/models/{name}/ready`. */
export function modelReady(slot: ModelSlot): Response {
  if (slot.model === undefined) return v2Error(503, notReadyMessage(slot));
  return json(200, { name: slot.name, ...(slot.version ? { version: slot.version } : {}), ready: true });
}

/** `GET /v2/models/{name}`: the name, the versions served, the platform and the signature's tensors. */
export function modelMetadata(slot: ModelSlot, models: readonly ModelSlot[] = [slot]): Response {
  if (slot.model === undefined) return v2Error(503, notReadyMessage(slot));
  const signature = slot.model.signature;
  // Every version served under this name (two during a canary), the addressed one first.
  const versions = [slot, ...models.filter((m) => m.name === slot.name && m !== slot)]
    .map((m) => m.version)
    .filter((v): v is string => v !== undefined);
  return json(200, {
    name: slot.name,
    versions,
    platform: PLATFORM,
    inputs: tensorMetadata(signature?.inputs, 'input'),
    outputs: tensorMetadata(signature?.outputs, 'output'),
  });
}

/** numpy dtype → v2 datatype. */
const DTYPE_V2: Record<string, string> = {
  bool: 'BOOL',
  int8: 'INT8',
  int16: 'INT16',
  int32: 'INT32',
  int64: 'INT64',
  uint8: 'UINT8',
  uint16: 'UINT16',
  uint32: 'UINT32',
  uint64: 'UINT64',
  float16: 'FP16',
  float32: 'FP32',
  float64: 'FP64',
  str: 'BYTES',
  object: 'BYTES',
  bytes: 'BYTES',
};

/** MLflow column type → v2 datatype (a column is a 1-D tensor of any length). */
const COLUMN_V2: Record<string, string> = {
  boolean: 'BOOL',
  integer: 'INT32',
  long: 'INT64',
  float: 'FP32',
  double: 'FP64',
  string: 'BYTES',
  binary: 'BYTES',
  datetime: 'BYTES',
};

function tensorMetadata(
  schema: Schema | undefined,
  prefix: string,
): { name: string; datatype: string; shape: number[] }[] {
  if (schema === undefined) return [];
  if (schema.kind === 'tensors') {
    return schema.tensors.map((t: TensorSpec, i) => ({
      name: t.name ?? `${prefix}-${i}`,
      datatype: DTYPE_V2[t.dtype] ?? 'BYTES',
      shape: [...t.shape],
    }));
  }
  return schema.columns.map((c: ColSpec, i) => ({
    name: c.name ?? `${prefix}-${i}`,
    datatype: typeof c.type === 'string' ? (COLUMN_V2[c.type] ?? 'BYTES') : 'BYTES',
    shape: [-1],
  }));
}

export interface InferOptions {
  maxBodyBytes: number;
  log: (message: string, error?: unknown) => void;
}

/** `POST /v2/models/{name}[/versions/{version}]/infer`. */
export async function infer(
  slot: ModelSlot,
  request: Request,
  options: InferOptions,
  incoming?: IncomingMessage,
): Promise<Response> {
  const model = slot.model;
  if (model === undefined) return v2Error(503, notReadyMessage(slot));
  let body: unknown;
  try {
    const text = utf8(await readBody(request, options.maxBodyBytes, incoming));
    body = JSON.parse(text);
  } catch (err) {
    if (err instanceof PayloadTooLargeError) return v2Error(413, err.message);
    return v2Error(400, `The request body is not valid JSON: ${(err as Error).message}`);
  }
  let parsed: ReturnType<typeof parseInferenceRequest>;
  let input: ModelInput;
  let wanted: string[] | undefined;
  try {
    parsed = parseInferenceRequest(upcastHalfFloats(body));
    wanted = requestedOutputs(body);
    input = model.signature?.inputs?.kind === 'columns' ? asColumns(parsed.input) : parsed.input;
  } catch (err) {
    if (err instanceof FerryError) return v2Error(err.httpStatus, err.message);
    return v2Error(400, `Invalid inference request: ${(err as Error)?.message ?? String(err)}`);
  }
  let output: ModelOutput;
  try {
    output = await model.predict(input, parsed.params);
  } catch (err) {
    if (err instanceof FerryError) return v2Error(err.httpStatus, err.message);
    options.log(`model '${slot.name}' failed to predict`, err);
    return v2Error(
      400,
      `Encountered an unexpected error while evaluating the model: ${(err as Error)?.message}`,
    );
  }
  try {
    const response = inferenceResponse(output, {
      name: slot.name,
      ...(slot.version === undefined ? {} : { version: slot.version }),
      ...(parsed.id === undefined ? {} : { id: parsed.id }),
    });
    if (wanted !== undefined) {
      const missing = wanted.filter((name) => !response.outputs.some((o) => o.name === name));
      if (missing.length > 0) return v2Error(400, `Unknown outputs requested: ${missing.join(', ')}`);
      response.outputs = response.outputs.filter((o) => wanted.includes(o.name));
    }
    return json(200, response);
  } catch (err) {
    if (err instanceof FerryError) return v2Error(err.httpStatus, err.message);
    throw err;
  }
}

/** FP16 values travel as JSON numbers; Ferry has no half-float tensors, so they are read as FP32. */
function upcastHalfFloats(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || !Array.isArray((body as { inputs?: unknown }).inputs)) {
    return body;
  }
  const request = body as { inputs: unknown[] };
  return {
    ...request,
    inputs: request.inputs.map((item) =>
      typeof item === 'object' && item !== null && (item as { datatype?: unknown }).datatype === 'FP16'
        ? { ...item, datatype: 'FP32' }
        : item,
    ),
  };
}

/** Named tensors for a column-based model: one column per tensor (flattened), as MLServer feeds them. */
function asColumns(input: ModelInput): ModelInput {
  if (input.kind !== 'tensors') return input;
  const entries = Object.entries(input.tensors);
  return makeDataFrame(
    entries.map(([name]) => name),
    entries.map(([, t]) => tensorValues(t)),
  );
}

/** The names in the request's `outputs`; BAD_REQUEST when it is not a list of `{"name": …}`. */
function requestedOutputs(body: unknown): string[] | undefined {
  const outputs = (body as { outputs?: unknown }).outputs;
  if (outputs === undefined || outputs === null) return undefined;
  const names = Array.isArray(outputs) ? outputs.map((o) => (o as { name?: unknown } | null)?.name) : [];
  if (!Array.isArray(outputs) || names.some((name) => typeof name !== 'string')) {
    throw new FerryError(
      'BAD_REQUEST',
      'The inference request "outputs" must be a list of {"name": …} objects',
    );
  }
  return names.length === 0 ? undefined : (names as string[]);
}

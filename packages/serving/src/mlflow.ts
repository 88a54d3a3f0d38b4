import type { IncomingMessage } from 'node:http';
import { FerryError } from '@ferry/core';
import type { ModelInput, ModelOutput } from '@ferry/models';
import {
  MLFLOW_VERSION,
  SCORING_PROTOCOL_CHANGE_INFO,
  SchemaEnforcementError,
  describeInput,
  parseScoringRequest,
  predictionsResponse,
  pythonJson,
} from '@ferry/models';
import { PayloadTooLargeError, readBody, utf8 } from './body.js';
import { parseCsv } from './csv.js';
import type { ModelSlot } from './slots.js';

/** MLflow's scoring server (`mlflow/pyfunc/scoring_server`) routes: `/ping`, `/version`, `/invocations`. */

const JSON_TYPE = 'application/json';
const CSV_TYPE = 'text/csv';
const PARQUET_TYPE = 'application/vnd.apache.parquet';
const TEXT_TYPE = 'text/plain; charset=utf-8';

const UNEXPECTED_ERROR =
  'Encountered an unexpected error while evaluating the model. Verify that the serialized input Dataframe ' +
  'is compatible with the model for inference.';

/** A JSON response in Python's `json.dumps` spacing, as MLflow's server writes them. */
export function jsonResponse(status: number, body: string): Response {
  return new Response(body, { status, headers: { 'content-type': JSON_TYPE } });
}

const textResponse = (status: number, body: string): Response =>
  new Response(body, { status, headers: { 'content-type': TEXT_TYPE } });

/**
 * An error as MLflow's scoring server sends it: `{"error_code", "message", "sqlstate", "error_class"}`
 * (BAD_REQUEST is labelled with the class INVALID_PARAMETER_VALUE, as MLflow 3 does), with the code's
 * status unless one is given.
 */
export function mlflowError(
  error: FerryError,
  options: { status?: number; stackTrace?: string } = {},
): Response {
  const json: Record<string, string> = { ...error.toJSON() };
  if (error.code === 'BAD_REQUEST') json['error_class'] = 'INVALID_PARAMETER_VALUE';
  if (options.stackTrace !== undefined) json['stack_trace'] = options.stackTrace;
  return jsonResponse(options.status ?? error.httpStatus, pythonJson(json));
}

/** 503 for a slot whose model is not loaded (or no slot at all). */
export function notReadyMessage(slot: ModelSlot | undefined): string {
  if (slot === undefined) return 'No model is being served';
  const version = slot.version === undefined ? '' : ` version ${slot.version}`;
  return `Model '${slot.name}'${version} is not loaded: ${slot.error ?? 'unknown reason'}`;
}

/** `/ping`, `/health`: 200 with MLflow's body (`\n`) when the model is loaded, else 503 with the reason. */
export function ping(slot: ModelSlot | undefined): Response {
  if (slot?.model === undefined) {
    return mlflowError(new FerryError('TEMPORARILY_UNAVAILABLE', notReadyMessage(slot)));
  }
  return jsonResponse(200, '\n');
}

/** `/version`: the served model (MLflow answers its own version; Ferry adds the model's name and version). */
export function version(slot: ModelSlot | undefined): Response {
  return jsonResponse(
    200,
    pythonJson({ model_name: slot?.name, model_version: slot?.version, mlflow_version: MLFLOW_VERSION }),
  );
}

export interface InvocationOptions {
  maxBodyBytes: number;
  /** Include `stack_trace` in the body of unexpected model errors, as MLflow does. */
  stackTraces: boolean;
  log: (message: string, error?: unknown) => void;
}

/** `POST /invocations`. */
export async function invocations(
  slot: ModelSlot | undefined,
  request: Request,
  options: InvocationOptions,
  incoming?: IncomingMessage,
): Promise<Response> {
  const model = slot?.model;
  if (model === undefined) {
    return mlflowError(new FerryError('TEMPORARILY_UNAVAILABLE', notReadyMessage(slot)));
  }
  const header = request.headers.get('content-type');
  const contentType = checkContentType(header);
  if (contentType instanceof Response) return contentType;
  let text: string;
  try {
    text = utf8(await readBody(request, options.maxBodyBytes, incoming));
  } catch (err) {
    if (err instanceof PayloadTooLargeError) {
      return mlflowError(new FerryError('BAD_REQUEST', err.message), { status: 413 });
    }
    throw err;
  }
  let input: ModelInput;
  let params: Record<string, unknown> | undefined;
  const schema = model.signature?.inputs;
  try {
    if (contentType === CSV_TYPE) input = parseCsv(text, schema);
    else ({ input, params } = parseScoringRequest(text, schema));
  } catch (err) {
    if (err instanceof FerryError) return mlflowError(err);
    return mlflowError(
      new FerryError('BAD_REQUEST', `Invalid input. ${(err as Error)?.message ?? String(err)}`),
    );
  }
  let output: ModelOutput;
  try {
    output = await model.predict(input, params);
  } catch (err) {
    if (err instanceof FerryError) {
      // MLflow prefixes the data to the message of any MlflowException the model raises.
      const message = `Failed to predict data '${describeInput(input)}'. \nError: ${err.message}`;
      return mlflowError(
        err instanceof SchemaEnforcementError
          ? new SchemaEnforcementError(message)
          : new FerryError(err.code, message),
      );
    }
    options.log(`model '${slot!.name}' failed to predict`, err);
    return mlflowError(
      new FerryError('BAD_REQUEST', UNEXPECTED_ERROR),
      options.stackTraces ? { stackTrace: (err as Error)?.stack ?? String(err) } : {},
    );
  }
  try {
    return jsonResponse(200, predictionsResponse(output));
  } catch (err) {
    options.log(`model '${slot!.name}' returned a prediction that cannot be sent as JSON`, err);
    return mlflowError(new FerryError('BAD_REQUEST', UNEXPECTED_ERROR));
  }
}

/**
 * The MIME type of a scoring body, or the 415 MLflow answers: only `charset=utf-8` is allowed as a
 * parameter, only JSON and CSV are read (MLflow also reads parquet; Ferry does not).
 */
function checkContentType(header: string | null): string | Response {
  const parts = (header ?? '').split(';').map((part) => part.trim());
  const mime = parts[0]!;
  const parameters = new Map(
    parts.slice(1).map((pair) => {
      const eq = pair.indexOf('=');
      return eq < 0 ? [pair, ''] : [pair.slice(0, eq), pair.slice(eq + 1)];
    }),
  );
  if ((parameters.get('charset') ?? 'utf-8').toLowerCase() !== 'utf-8') {
    return textResponse(415, 'The scoring server only supports UTF-8');
  }
  const unexpected = [...parameters.keys()].filter((key) => key !== 'charset');
  if (unexpected.length > 0) {
    return textResponse(
      415,
      `Unrecognized content type parameters: ${unexpected.join(', ')}. ${SCORING_PROTOCOL_CHANGE_INFO}`,
    );
  }
  if (mime === JSON_TYPE || mime === CSV_TYPE) return mime;
  if (mime === PARQUET_TYPE) {
    return textResponse(
      415,
      `Ferry's scoring server does not read '${PARQUET_TYPE}' bodies; send '${JSON_TYPE}' or '${CSV_TYPE}'.`,
    );
  }
  return textResponse(
    415,
    `This predictor only supports the following content types: Types: ['${CSV_TYPE}', '${JSON_TYPE}', ` +
      `'${PARQUET_TYPE}']. Got '${header ?? 'None'}'.`,
  );
}

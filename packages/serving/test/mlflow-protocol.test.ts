import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MLFLOW_VERSION, SCORING_PROTOCOL_CHANGE_INFO } from '@ferry/models';
import { createScoringApp, loadModelSlot, staticTarget } from '../src/index.js';
import type { ModelSlot } from '../src/index.js';
import type { Exchange } from './helpers.js';
import { brokenModel, exchange, exchanges, logisticModel, onnxLinearModel, slot } from './helpers.js';

/**
 * The MLflow scoring protocol against exchanges recorded from a real `mlflow models serve`
 * (fixtures/mlflow-serving-exchanges.json). The served model has the recorded model's signature and
 * answers the recorded rows as it did, so request and response bodies compare byte for byte.
 */

let base: string;
let logistic: ModelSlot;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'ferry-serving-mlflow-'));
  logistic = await slot('logistic', '3', await logisticModel(join(base, 'logistic')));
});
afterAll(async () => {
  await logistic.model?.close();
  await rm(base, { recursive: true, force: true });
});

const app = () => createScoringApp({ target: staticTarget([logistic]) });

async function replay(e: Exchange): Promise<Response> {
  return app().request(e.request.path, {
    method: e.request.method,
    headers: e.request.headers,
    ...(e.request.body === undefined ? {} : { body: e.request.body }),
  });
}

async function expectRecorded(e: Exchange): Promise<void> {
  const response = await replay(e);
  expect(response.status).toBe(e.response.status);
  expect(response.headers.get('content-type')).toBe(e.response.headers['content-type']);
  const body = await response.text();
  expect(body).toBe(e.response.body);
  expect(Buffer.byteLength(body)).toBe(Number(e.response.headers['content-length']));
}

describe('MLflow scoring protocol: recorded exchanges', () => {
  const deterministic = [
    'GET /ping',
    'GET /health',
    'dataframe_split',
    'dataframe_records',
    'instances (list of records)',
    'inputs (columnar dict)',
    'inputs + params (model has no params schema)',
    'CSV',
    'error: two format keys',
    'error: list body',
    'error: unsupported content type',
    'error: bad charset',
    'error: format=pandas-split content-type param (MLflow 1.x style)',
  ];
  it.each(deterministic)('%s: same status, content type and body bytes', async (title) => {
    await expectRecorded(await exchange(title));
  });

  it('every recorded exchange is covered here', async () => {
    const titles = (await exchanges()).map((e) => e.title);
    expect(titles.filter((t) => !deterministic.includes(t))).toEqual([
      'GET /version',
      'error: schema mismatch (missing column b)',
    ]);
  });

  it('/version names the served model and version (MLflow: its own version, unquoted)', async () => {
    const e = await exchange('GET /version');
    const response = await replay(e);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('x-ferry-model-version')).toBe('3');
    expect(await response.text()).toBe(
      `{"model_name": "logistic", "model_version": "3", "mlflow_version": "${MLFLOW_VERSION}"}`,
    );
  });

  it('schema mismatch: MLflow body, with a value whose text JSON keeps (0.5 for the recorded 0.0)', async () => {
    // JSON.parse reads the recorded 0.0 as the integer 0, so the data frame's text would read `0`; a
    // value with a fraction prints alike in pandas and here.
    const e = await exchange('error: schema mismatch (missing column b)');
    const response = await app().request('/invocations', {
      method: 'POST',
      headers: e.request.headers,
      body: e.request.body!.replace('0.0', '0.5'),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toBe(e.response.body.replaceAll('0.0', '0.5'));
  });

  it('answers with the version header', async () => {
    const response = await replay(await exchange('dataframe_split'));
    expect(response.headers.get('x-ferry-model-version')).toBe('3');
  });
});

describe('MLflow scoring protocol: more inputs and errors', () => {
  const post = (body: string, contentType = 'application/json') =>
    app().request('/invocations', { method: 'POST', headers: { 'content-type': contentType }, body });

  it('accepts charset=utf-8 and reads quoted CSV and CRLF lines', async () => {
    const response = await post('"a","b"\r\n0.5,1\r\n"3",0\r\n', 'text/csv; charset=UTF-8');
    expect(await response.text()).toBe('{"predictions": [0, 1]}');
  });

  it('refuses a CSV that is not a table with MLflow 400 body', async () => {
    const response = await post('a,b\n1,2,3\n', 'text/csv');
    expect(response.status).toBe(400);
    const body = (await response.json()) as Record<string, string>;
    expect(body['error_code']).toBe('BAD_REQUEST');
    expect(body['message']).toMatch(/^Failed to parse input as a Pandas DataFrame\. .*Expected 2 fields/);
  });

  it('malformed JSON → 400 BAD_REQUEST with MLflow message', async () => {
    const response = await post('{"inputs": ');
    expect(response.status).toBe(400);
    const body = (await response.json()) as Record<string, string>;
    expect(body).toMatchObject({ error_code: 'BAD_REQUEST', error_class: 'INVALID_PARAMETER_VALUE' });
    expect(body['message']).toMatch(/^Invalid input\. Ensure that input is a valid JSON formatted string\./);
  });

  it('no format key → 400 with the protocol change notice', async () => {
    const response = await post('{"data": [1]}');
    expect(response.status).toBe(400);
    const body = (await response.json()) as Record<string, string>;
    expect(body['message']).toContain('Received dictionary with input fields: []. ');
    expect(body['message']).toContain(SCORING_PROTOCOL_CHANGE_INFO);
  });

  it('no content type → 415', async () => {
    // A byte body, so that no default content type is set.
    const response = await app().request('/invocations', {
      method: 'POST',
      body: new TextEncoder().encode('{}'),
    });
    expect(response.status).toBe(415);
    expect(await response.text()).toContain("Got 'None'.");
  });

  it('parquet → 415 saying Ferry does not read it', async () => {
    const response = await post('PAR1', 'application/vnd.apache.parquet');
    expect(response.status).toBe(415);
    expect(await response.text()).toContain('does not read');
  });

  it('GET /invocations is not a route', async () => {
    expect((await app().request('/invocations')).status).toBe(404);
  });

  it('scores an ONNX model with tensor inputs, floats printed as Python floats', async () => {
    const onnx = await slot('linear', '1', await onnxLinearModel(join(base, 'onnx')));
    try {
      const scoring = createScoringApp({ target: staticTarget([onnx]) });
      const response = await scoring.request('/invocations', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          inputs: {
            x: [
              [1, 1, 1, 1],
              [0, 0, 0, 0],
            ],
          },
        }),
      });
      expect(await response.text()).toBe('{"predictions": {"y": [[10.5], [0.5]]}}');
      const instances = await scoring.request('/invocations', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ instances: [[1, 0, 0, 0]] }),
      });
      expect(await instances.text()).toBe('{"predictions": {"y": [[1.5]]}}');
    } finally {
      await onnx.model?.close();
    }
  });

  it('a model raising an unexpected error → 400 with MLflow message, logged, no stack trace by default', async () => {
    const broken = await slot('broken', undefined, await brokenModel(join(base, 'broken')));
    const logged: string[] = [];
    const scoring = (stackTraces: boolean) =>
      createScoringApp({ target: staticTarget([broken]), stackTraces, log: (m) => logged.push(m) });
    const request = {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"inputs": [1, 2]}',
    };
    const response = await scoring(false).request('/invocations', request);
    expect(response.status).toBe(400);
    expect(await response.text()).toBe(
      '{"error_code": "BAD_REQUEST", "message": "Encountered an unexpected error while evaluating the model. ' +
        'Verify that the serialized input Dataframe is compatible with the model for inference.", ' +
        '"sqlstate": "KAM00", "error_class": "INVALID_PARAMETER_VALUE"}',
    );
    expect(logged).toEqual(["model 'broken' failed to predict"]);
    const withTrace = (await (await scoring(true).request('/invocations', request)).json()) as Record<
      string,
      string
    >;
    expect(withTrace['stack_trace']).toContain('Error: boom');
  });
});

describe('a model that failed to load', () => {
  it('ping and health say 503 with the reason; invocations 503; nothing crashes', async () => {
    const failed = await loadModelSlot({ name: 'gone', version: '7', path: join(base, 'missing') });
    expect(failed.model).toBeUndefined();
    expect(failed.error).toBeTruthy();
    const scoring = createScoringApp({ target: staticTarget([failed]) });
    for (const path of ['/ping', '/health']) {
      const response = await scoring.request(path);
      expect(response.status).toBe(503);
      const body = (await response.json()) as Record<string, string>;
      expect(body['error_code']).toBe('TEMPORARILY_UNAVAILABLE');
      expect(body['message']).toBe(`Model 'gone' version 7 is not loaded: ${failed.error}`);
    }
    const response = await scoring.request('/invocations', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"inputs": [1]}',
    });
    expect(response.status).toBe(503);
    expect(response.headers.get('x-ferry-model-version')).toBe('7');
  });

  it('no slot at all → 503', async () => {
    const response = await createScoringApp({ target: staticTarget([]) }).request('/ping');
    expect(response.status).toBe(503);
    expect(((await response.json()) as Record<string, string>)['message']).toBe('No model is being served');
  });

  it('a provider that throws → 503, logged', async () => {
    const logged: string[] = [];
    const scoring = createScoringApp({
      target: () => {
        throw new Error('registry down');
      },
      log: (m) => logged.push(m),
    });
    expect((await scoring.request('/ping')).status).toBe(503);
    expect(logged).toEqual(['the serving target provider failed']);
  });
});

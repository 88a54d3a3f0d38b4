import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Service } from 'kubernetes-models/v1/Service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import {
  checkModelUri,
  checkName,
  defaultName,
  kserveManifest,
  kubernetesManifests,
  MODEL_URI_ANNOTATION,
} from '../src/commands/models/manifests.js';
import type { ManifestOptions } from '../src/commands/models/manifests.js';
import { createProgram } from '../src/program.js';

const exec = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
// Runs the built `ferry` binary (`npm test` builds it first).
const BIN = join(here, '../dist/bin.js');
const SCHEMA = join(here, 'fixtures/kserve/inferenceservice-v1beta1.schema.json');
// KServe's own name check for an InferenceService (IsvcNameFmt in inference_service_validation.go).
const ISVC_NAME = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

const base: ManifestOptions = {
  modelUri: 'models:/iris@champion',
  name: 'iris',
  image: 'registry.example.com/ferry:0.1.0',
  port: 5001,
  replicas: 2,
};

let validateIsvc: ValidateFunction;
let dir: string;

/** Validates one object against the real Kubernetes schema of its kind (kubernetes-models throws on errors). */
function validateKubernetes(doc: unknown): void {
  const kind = (doc as { kind?: string }).kind;
  if (kind === 'Deployment') new Deployment(doc as Deployment).validate();
  else if (kind === 'Service') new Service(doc as Service).validate();
  else throw new Error(`unexpected kind ${kind}`);
}

/** Validates an InferenceService against KServe's CRD schema, failing with Ajv's errors. */
function validateKserve(doc: unknown): void {
  if (!validateIsvc(doc)) throw new Error(JSON.stringify(validateIsvc.errors));
}

function ferry(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return exec(process.execPath, [BIN, ...args], { cwd: dir });
}

/** Runs `ferry` expecting it to fail; returns its stderr. */
async function ferryFails(args: string[]): Promise<string> {
  const error = await ferry(args).then(
    () => undefined,
    (e: unknown) => e as { code: number; stderr: string },
  );
  expect(error, `ferry ${args.join(' ')} should fail`).toBeDefined();
  expect(error!.code).toBe(1);
  return error!.stderr;
}

const docs = (text: string): unknown[] =>
  parseAllDocuments(text).map((d) => {
    expect(d.errors).toEqual([]);
    return d.toJS();
  });

beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npx tsc -b\` (or \`npm run build\`) first`);
  const ajv = new Ajv({ strict: false, allErrors: true });
  // The CRD's formats (Kubernetes' int32 and int64), checked rather than ignored.
  ajv.addFormat('int32', {
    type: 'number',
    validate: (n: number) => Number.isInteger(n) && Math.abs(n) < 2 ** 31,
  });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) });
  validateIsvc = ajv.compile(JSON.parse(await readFile(SCHEMA, 'utf8')) as object);
  dir = await mkdtemp(join(tmpdir(), 'ferry-manifests-'));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('kubernetesManifests', () => {
  it('builds a Deployment and a Service that pass the Kubernetes schemas', () => {
    const [deployment, service] = kubernetesManifests({
      ...base,
      namespace: 'ml',
      trackingUri: 'http://ferry.ml.svc:5000',
      cpu: '500m',
      memory: '1Gi',
      workers: 4,
      timeout: 60,
    });
    validateKubernetes(deployment);
    validateKubernetes(service);

    expect(deployment.metadata).toMatchObject({
      name: 'iris',
      namespace: 'ml',
      labels: { 'app.kubernetes.io/name': 'iris', 'app.kubernetes.io/part-of': 'ferry' },
      annotations: { [MODEL_URI_ANNOTATION]: 'models:/iris@champion' },
    });
    expect(deployment.spec.replicas).toBe(2);
    // The selector picks the pods of the template, and the Service selects the same pods.
    expect(deployment.spec.template.metadata.labels).toMatchObject(deployment.spec.selector.matchLabels);
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);

    const [container] = deployment.spec.template.spec.containers;
    expect(container!.image).toBe('registry.example.com/ferry:0.1.0');
    expect([...container!.command, ...container!.args]).toEqual([
      'ferry',
      'models',
      'serve',
      '-m',
      'models:/iris@champion',
      '--host',
      '0.0.0.0',
      '--port',
      '5001',
      '--workers',
      '4',
      '--timeout',
      '60',
    ]);
    expect(container!.ports).toEqual([{ name: 'http', containerPort: 5001, protocol: 'TCP' }]);
    expect(container!.env).toEqual([
      { name: 'FERRY_TRACKING_URI', value: 'http://ferry.ml.svc:5000' },
      { name: 'MLFLOW_TRACKING_URI', value: 'http://ferry.ml.svc:5000' },
    ]);
    expect(container!.resources).toEqual({
      requests: { cpu: '500m', memory: '1Gi' },
      limits: { cpu: '500m', memory: '1Gi' },
    });
    expect(container!.readinessProbe.httpGet).toEqual({ path: '/v2/health/ready', port: 'http' });
    expect(container!.livenessProbe.httpGet).toEqual({ path: '/v2/health/live', port: 'http' });
    expect(container!.startupProbe.httpGet).toEqual({ path: '/v2/health/live', port: 'http' });

    expect(service.spec).toMatchObject({
      type: 'ClusterIP',
      ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
    });
  });

  it('leaves out what was not asked for', () => {
    const [deployment, service] = kubernetesManifests({ ...base, servicePort: 8000 });
    validateKubernetes(deployment);
    validateKubernetes(service);
    const [container] = deployment.spec.template.spec.containers;
    expect(deployment.metadata.namespace).toBeUndefined();
    expect(container!.env).toBeUndefined();
    expect(container!.resources).toBeUndefined();
    expect(container!.args).not.toContain('--workers');
    expect(container!.args).not.toContain('--timeout');
    expect(service.spec.ports[0]!.port).toBe(8000);
  });

  it('the schema check bites: broken objects fail', () => {
    const [deployment, service] = kubernetesManifests(base);
    const badPort = structuredClone(deployment) as unknown as {
      spec: { template: { spec: { containers: { ports: { containerPort: unknown }[] }[] } } };
    };
    badPort.spec.template.spec.containers[0]!.ports[0]!.containerPort = 'http';
    expect(() => validateKubernetes(badPort)).toThrow(/containerPort/);
    const noSelector = structuredClone(deployment) as unknown as { spec: Record<string, unknown> };
    delete noSelector.spec.selector;
    expect(() => validateKubernetes(noSelector)).toThrow(/selector/);
    const badType = structuredClone(service) as unknown as { spec: { ports: { port: unknown }[] } };
    badType.spec.ports[0]!.port = '80';
    expect(() => validateKubernetes(badType)).toThrow(/port/);
  });
});

describe('kserveManifest', () => {
  it('builds an InferenceService that passes the KServe CRD schema', () => {
    const isvc = kserveManifest({
      ...base,
      port: 8080,
      replicas: 3,
      namespace: 'ml',
      trackingUri: 'http://ferry.ml.svc:5000',
      memory: '2Gi',
    });
    validateKserve(isvc);
    expect(isvc).toMatchObject({
      apiVersion: 'serving.kserve.io/v1beta1',
      kind: 'InferenceService',
      metadata: {
        name: 'iris',
        namespace: 'ml',
        annotations: { [MODEL_URI_ANNOTATION]: 'models:/iris@champion' },
      },
      spec: { predictor: { minReplicas: 3, maxReplicas: 3 } },
    });
    expect(isvc.metadata.name).toMatch(ISVC_NAME);
    const [container] = isvc.spec.predictor.containers;
    // What KServe's CustomPredictor reads: the container named kserve-container, its PROTOCOL env (v1|v2).
    expect(container!.name).toBe('kserve-container');
    expect(container!.env).toContainEqual({ name: 'PROTOCOL', value: 'v2' });
    expect(container!.env).toContainEqual({ name: 'FERRY_TRACKING_URI', value: 'http://ferry.ml.svc:5000' });
    expect(container!.ports).toEqual([{ name: 'http1', containerPort: 8080, protocol: 'TCP' }]);
    expect(container!.args).toEqual([
      'models',
      'serve',
      '-m',
      'models:/iris@champion',
      '--host',
      '0.0.0.0',
      '--port',
      '8080',
    ]);
    // Knative wants probes on the container port itself.
    expect(container!.readinessProbe.httpGet).toEqual({ path: '/v2/health/ready', port: 8080 });
    expect(container!.livenessProbe.httpGet).toEqual({ path: '/v2/health/live', port: 8080 });
    expect(container!.resources).toEqual({ requests: { memory: '2Gi' }, limits: { memory: '2Gi' } });
  });

  it('the schema check bites: broken objects fail', () => {
    const isvc = kserveManifest({ ...base, port: 8080 });
    const words = structuredClone(isvc) as unknown as { spec: { predictor: Record<string, unknown> } };
    words.spec.predictor.minReplicas = 'two';
    expect(() => validateKserve(words)).toThrow(/minReplicas.*must be integer/);
    const noPredictor = structuredClone(isvc) as unknown as { spec: Record<string, unknown> };
    delete noPredictor.spec.predictor;
    expect(() => validateKserve(noPredictor)).toThrow(/predictor/);
    const unnamed = structuredClone(isvc) as unknown as { spec: { predictor: { containers: object[] } } };
    delete (unnamed.spec.predictor.containers[0] as { name?: string }).name;
    expect(() => validateKserve(unnamed)).toThrow(/name/);
    const tooBig = structuredClone(isvc) as unknown as {
      spec: { predictor: { containers: { ports: { containerPort: number }[] }[] } };
    };
    tooBig.spec.predictor.containers[0]!.ports[0]!.containerPort = 2 ** 40;
    expect(() => validateKserve(tooBig)).toThrow(/int32/);
  });
});

describe('the container command', () => {
  it('is one `ferry models serve` accepts', () => {
    const serve = createProgram()
      .commands.find((c) => c.name() === 'models')!
      .commands.find((c) => c.name() === 'serve')!;
    const opts = { ...base, workers: 3, timeout: 0, trackingUri: 'http://ferry.ml.svc:5000' };
    for (const container of [
      kubernetesManifests(opts)[0].spec.template.spec.containers[0]!,
      kserveManifest({ ...opts, port: 8080 }).spec.predictor.containers[0]!,
    ]) {
      expect(container.command).toEqual(['ferry']);
      expect(container.args.slice(0, 2)).toEqual(['models', 'serve']);
      // Parses the options as `serve` would (running its parsers), without running it.
      expect(serve.parseOptions(container.args.slice(2))).toEqual({ operands: [], unknown: [] });
      expect(serve.opts()).toMatchObject({
        model: 'models:/iris@champion',
        host: '0.0.0.0',
        port: container.ports[0]!.containerPort,
        workers: 3,
        timeout: 0,
      });
    }
  });
});

describe('model URIs and names', () => {
  it('derives a DNS label from the model name', () => {
    expect(defaultName('models:/iris@champion')).toBe('iris');
    expect(defaultName('models:/Iris_Classifier v2/3')).toBe('iris-classifier-v2');
    expect(defaultName('models:/fraud.detector/Production')).toBe('fraud-detector');
    expect(defaultName('models:/42-answers/latest')).toBe('model-42-answers');
    expect(defaultName('models:/m-0123456789abcdef')).toBe('m-0123456789abcdef');
    expect(defaultName('runs:/0a1b2c3d4e5f60718293a4b5c6d7e8f9/model')).toBe('model-0a1b2c3d');
    const long = defaultName(`models:/${'a'.repeat(40)}_${'b'.repeat(40)}@x`);
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(ISVC_NAME);
    expect(defaultName(`models:/${'a'.repeat(62)}__b@x`)).toBe('a'.repeat(62));
  });

  it('accepts models:/ and runs:/ URIs, refuses local paths', () => {
    expect(checkModelUri('models:/iris@champion')).toBe('models:/iris@champion');
    expect(checkModelUri('models:/iris/3')).toBe('models:/iris/3');
    expect(checkModelUri('runs:/abc/model')).toBe('runs:/abc/model');
    expect(() => checkModelUri('models:/')).toThrow(/Not a proper models:\/ URI/);
    expect(() => checkModelUri('runs:/')).toThrow(/Not a proper runs:\/ URI/);
    expect(() => checkModelUri('./model')).toThrow(/local path, which a pod cannot see/);
    expect(() => checkModelUri('/tmp/model')).toThrow(/local path/);
    expect(() => checkModelUri('file:///tmp/model')).toThrow(/local path/);
    expect(() => checkModelUri('s3://bucket/model')).toThrow(/cannot be served from a manifest/);
  });

  it('checks explicit names', () => {
    expect(checkName('iris-v2')).toBe('iris-v2');
    for (const bad of ['Iris', 'iris_v2', '-iris', 'iris-', '2iris', 'a'.repeat(64), '']) {
      expect(() => checkName(bad), bad).toThrow(/invalid name/);
    }
  });
});

describe('ferry models build-manifests', () => {
  it('--target kubernetes prints a Deployment and a Service', async () => {
    const { stdout, stderr } = await ferry([
      'models',
      'build-manifests',
      '-m',
      'models:/Fraud Detector@champion',
      '--target',
      'kubernetes',
      '--tracking-uri',
      'http://ferry.ml.svc:5000',
      '--replicas',
      '3',
      '--namespace',
      'ml',
      '--cpu',
      '1',
      '--memory',
      '512Mi',
      '--workers',
      '2',
      '--timeout',
      '2.5',
      '--service-port',
      '8000',
    ]);
    expect(stderr).toBe('');
    expect(stdout).toMatch(/\n---\n/);
    const [deployment, service, ...rest] = docs(stdout) as [Deployment, Service];
    expect(rest).toEqual([]);
    validateKubernetes(deployment);
    validateKubernetes(service);
    expect(deployment).toEqual(
      kubernetesManifests({
        modelUri: 'models:/Fraud Detector@champion',
        name: 'fraud-detector',
        image: 'ferry:latest',
        port: 5001,
        replicas: 3,
        namespace: 'ml',
        trackingUri: 'http://ferry.ml.svc:5000',
        cpu: '1',
        memory: '512Mi',
        workers: 2,
        timeout: 2.5,
        servicePort: 8000,
      })[0],
    );
    expect(service.spec!.ports).toEqual([{ name: 'http', port: 8000, targetPort: 'http', protocol: 'TCP' }]);
  });

  it('--target kubernetes -o writes the file', async () => {
    const file = join(dir, 'k8s.yaml');
    const { stdout, stderr } = await ferry([
      'models',
      'build-manifests',
      '-m',
      'runs:/0a1b2c3d4e5f60718293a4b5c6d7e8f9/model',
      '--target',
      'kubernetes',
      '--name',
      'scorer',
      '--image',
      'ghcr.io/acme/ferry:1.0',
      '--port',
      '9000',
      '-o',
      file,
    ]);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/warning: no --tracking-uri/);
    expect(stderr).toContain(`wrote ${file}`);
    const [deployment, service] = docs(await readFile(file, 'utf8')) as [Deployment, Service];
    validateKubernetes(deployment);
    validateKubernetes(service);
    expect(deployment.metadata!.name).toBe('scorer');
    const container = deployment.spec!.template.spec!.containers[0]!;
    expect(container.image).toBe('ghcr.io/acme/ferry:1.0');
    expect(container.args).toContain('runs:/0a1b2c3d4e5f60718293a4b5c6d7e8f9/model');
    expect(container.ports).toEqual([{ name: 'http', containerPort: 9000, protocol: 'TCP' }]);
    expect(service.metadata!.annotations).toEqual({
      [MODEL_URI_ANNOTATION]: 'runs:/0a1b2c3d4e5f60718293a4b5c6d7e8f9/model',
    });
  });

  it('--target kserve prints an InferenceService on port 8080', async () => {
    const { stdout } = await ferry([
      'models',
      'build-manifests',
      '-m',
      'models:/iris@champion',
      '--target',
      'kserve',
      '--tracking-uri',
      'http://ferry.ml.svc:5000',
      '--replicas',
      '2',
    ]);
    const [isvc, ...rest] = docs(stdout);
    expect(rest).toEqual([]);
    validateKserve(isvc);
    expect(isvc).toEqual(
      kserveManifest({
        modelUri: 'models:/iris@champion',
        name: 'iris',
        image: 'ferry:latest',
        port: 8080,
        replicas: 2,
        trackingUri: 'http://ferry.ml.svc:5000',
      }),
    );
  });

  it('--target kserve -o writes the file', async () => {
    const file = join(dir, 'isvc.yaml');
    await ferry([
      'models',
      'build-manifests',
      '-m',
      'models:/iris/4',
      '-t',
      'kserve',
      '--name',
      'iris-v4',
      '--tracking-uri',
      'https://ferry.example.com',
      '--cpu',
      '250m',
      '-o',
      file,
    ]);
    const [isvc] = docs(await readFile(file, 'utf8')) as [ReturnType<typeof kserveManifest>];
    validateKserve(isvc);
    expect(isvc.metadata.name).toBe('iris-v4');
    expect(isvc.spec.predictor).toMatchObject({ minReplicas: 1, maxReplicas: 1 });
    expect(isvc.spec.predictor.containers[0]!.resources).toEqual({
      requests: { cpu: '250m' },
      limits: { cpu: '250m' },
    });
  });

  it('refuses bad input with a clear message', async () => {
    const run = (...args: string[]) => ferryFails(['models', 'build-manifests', ...args]);
    expect(await run('-m', 'models:/iris@champion', '--target', 'helm')).toMatch(
      /argument 'helm' is invalid\. Allowed choices are kubernetes, kserve/,
    );
    expect(await run('-m', 'models:/iris@champion')).toMatch(/required option '-t, --target <target>'/);
    expect(
      await run('-m', 'models:/iris@champion', '--target', 'kubernetes', '--name', 'Iris_Model'),
    ).toMatch(/ferry: invalid name 'Iris_Model'/);
    expect(await run('-m', './model', '--target', 'kserve')).toMatch(
      /ferry: '\.\/model' is a local path, which a pod cannot see/,
    );
    expect(await run('-m', 'models:/iris@champion', '--target', 'kubernetes', '--replicas', '0')).toMatch(
      /invalid replicas '0'/,
    );
    expect(await run('-m', 'models:/iris@champion', '--target', 'kubernetes', '--replicas', 'two')).toMatch(
      /invalid replicas 'two'/,
    );
    expect(await run('-m', 'models:/iris@champion', '--target', 'kubernetes', '--timeout', 'soon')).toMatch(
      /invalid timeout 'soon'/,
    );
    expect(await run('-m', 'models:/iris@champion', '--target', 'kubernetes', '--memory', 'lots')).toMatch(
      /invalid memory 'lots'/,
    );
    expect(await run('-m', 'models:/iris@champion', '--target', 'kserve', '--service-port', '80')).toMatch(
      /--service-port is for --target kubernetes/,
    );
  });
});

// Kubernetes manifests that run `ferry models serve` in a cluster: pure builders returning plain objects.
import { isModelsUri, parseModelUri } from '@ferry/core';

/** What `ferry models build-manifests` writes manifests for. */
export const MANIFEST_TARGETS = ['kubernetes', 'kserve'] as const;
export type ManifestTarget = (typeof MANIFEST_TARGETS)[number];

/** The port `ferry models serve` listens on in the container, by target (KServe expects 8080). */
export const DEFAULT_PORTS: Record<ManifestTarget, number> = { kubernetes: 5001, kserve: 8080 };
export const DEFAULT_IMAGE = 'ferry:latest';

/** The annotation naming the served model URI, on every object written. */
export const MODEL_URI_ANNOTATION = 'ferry.dev/model-uri';

export interface ManifestOptions {
  /** `models:/...` or `runs:/...` (see {@link checkModelUri}). */
  modelUri: string;
  /** The name of every object, a DNS label (see {@link checkName}). */
  name: string;
  /** An image with `ferry` on its PATH. */
  image: string;
  /** The container port `ferry models serve` listens on. */
  port: number;
  replicas: number;
  namespace?: string;
  /** Passed to the container as FERRY_TRACKING_URI and MLFLOW_TRACKING_URI. */
  trackingUri?: string;
  /** Kubernetes quantities, each set as both the request and the limit. */
  cpu?: string;
  memory?: string;
  /** Passed through to `ferry models serve --workers`. */
  workers?: number;
  /** Passed through to `ferry models serve --timeout` (seconds; 0: no limit). */
  timeout?: number;
  /** The Service's port (target kubernetes only; default 80). */
  servicePort?: number;
}

export interface EnvVar {
  name: string;
  value: string;
}

export interface Probe {
  httpGet: { path: string; port: number | string };
  periodSeconds: number;
  failureThreshold: number;
  timeoutSeconds: number;
}

export interface Container {
  name: string;
  image: string;
  command: string[];
  args: string[];
  ports: { name: string; containerPort: number; protocol: 'TCP' }[];
  env?: EnvVar[];
  resources?: { requests: Record<string, string>; limits: Record<string, string> };
  startupProbe: Probe;
  readinessProbe: Probe;
  livenessProbe: Probe;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface Deployment {
  apiVersion: 'apps/v1';
  kind: 'Deployment';
  metadata: ObjectMeta;
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: {
      metadata: { labels: Record<string, string>; annotations: Record<string, string> };
      spec: { containers: Container[] };
    };
  };
}

export interface Service {
  apiVersion: 'v1';
  kind: 'Service';
  metadata: ObjectMeta;
  spec: {
    type: 'ClusterIP';
    selector: Record<string, string>;
    ports: { name: string; port: number; targetPort: string; protocol: 'TCP' }[];
  };
}

export interface InferenceService {
  apiVersion: 'serving.kserve.io/v1beta1';
  kind: 'InferenceService';
  metadata: ObjectMeta;
  spec: { predictor: { minReplicas: number; maxReplicas: number; containers: Container[] } };
}

// An InferenceService and a Service need a DNS-1035 label (a DNS-1123 label that starts with a letter).
const NAME = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// Kubernetes' resource.Quantity, without a sign (a request cannot be negative).
const QUANTITY =
  /^(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/;

/** Throws unless `name` can name a Deployment, a Service and an InferenceService. */
export function checkName(name: string): string {
  if (name.length > 63 || !NAME.test(name)) {
    throw new Error(
      `invalid name '${name}': use at most 63 lowercase letters, digits and '-', starting with a letter ` +
        `and ending with a letter or digit (a DNS label, as Services and InferenceServices require)`,
    );
  }
  return name;
}

/** Throws unless `namespace` is a DNS-1123 label. */
export function checkNamespace(namespace: string): string {
  if (namespace.length > 63 || !NAMESPACE.test(namespace)) {
    throw new Error(
      `invalid namespace '${namespace}': use at most 63 lowercase letters, digits and '-', ` +
        `starting and ending with a letter or digit`,
    );
  }
  return namespace;
}

/** Throws unless `value` is a Kubernetes quantity such as `500m`, `2`, `512Mi` or `1G`. */
export function checkQuantity(what: string, value: string): string {
  if (!QUANTITY.test(value)) {
    throw new Error(`invalid ${what} '${value}': use a Kubernetes quantity such as 500m, 2, 512Mi or 1Gi`);
  }
  return value;
}

const RUNS_URI = /^runs:\/([^/]+)\/?(.*)$/;

/**
 * Throws unless a pod can resolve `uri` through a tracking server: `models:/name@alias` (the usual
 * case), `models:/name/<version|stage|latest>`, `models:/<logged model id>` or `runs:/<run>/<path>`.
 * A local path or `file:` URI is refused: a pod cannot see this machine's disk.
 */
export function checkModelUri(uri: string): string {
  if (isModelsUri(uri)) {
    parseModelUri(uri);
    return uri;
  }
  if (/^runs:/i.test(uri)) {
    if (!RUNS_URI.test(uri)) throw new Error(`Not a proper runs:/ URI: ${uri}. Use runs:/<run id>/<path>`);
    return uri;
  }
  const remedy =
    'register the model (ferry models register) and pass models:/<name>@<alias>, or pass runs:/<run id>/<path>';
  if (/^file:/i.test(uri) || !/^[a-z][a-z0-9+.-]+:/i.test(uri)) {
    throw new Error(`'${uri}' is a local path, which a pod cannot see: ${remedy}`);
  }
  throw new Error(`'${uri}' cannot be served from a manifest: ${remedy}`);
}

/** `raw` made a name {@link checkName} accepts: lowercase, `[a-z0-9-]`, starting with a letter, ≤ 63 chars. */
export function dnsLabel(raw: string): string {
  let label = raw
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
  if (label === '') return 'ferry-model';
  if (!/^[a-z]/.test(label)) label = `model-${label}`;
  return label.slice(0, 63).replace(/-+$/, '');
}

/** The default name for a model URI: the registered model's name (or the run's), as a DNS label. */
export function defaultName(uri: string): string {
  const runs = RUNS_URI.exec(uri);
  if (runs) {
    const last = runs[2]!.split('/').filter(Boolean).pop() ?? 'run';
    return dnsLabel(`${last}-${runs[1]!.slice(0, 8)}`);
  }
  const parsed = parseModelUri(uri);
  return dnsLabel(parsed.kind === 'logged-model' ? parsed.modelId : parsed.name);
}

function labels(opts: ManifestOptions): Record<string, string> {
  return {
    'app.kubernetes.io/name': opts.name,
    'app.kubernetes.io/component': 'model-server',
    'app.kubernetes.io/part-of': 'ferry',
  };
}

function metadata(opts: ManifestOptions): ObjectMeta {
  return {
    name: opts.name,
    ...(opts.namespace !== undefined ? { namespace: opts.namespace } : {}),
    labels: labels(opts),
    annotations: { [MODEL_URI_ANNOTATION]: opts.modelUri },
  };
}

/** `ferry models serve` with everything the manifest sets. */
export function serveArgs(opts: ManifestOptions): string[] {
  return [
    'models',
    'serve',
    '-m',
    opts.modelUri,
    '--host',
    '0.0.0.0',
    '--port',
    String(opts.port),
    ...(opts.workers !== undefined ? ['--workers', String(opts.workers)] : []),
    ...(opts.timeout !== undefined ? ['--timeout', String(opts.timeout)] : []),
  ];
}

/**
 * The scoring container. The server listens only once the model is downloaded and loaded, so a startup
 * probe gives it 10 minutes before liveness counts; readiness follows `/v2/health/ready` (503 while the
 * model is not loaded).
 */
function container(
  opts: ManifestOptions,
  {
    name,
    portName,
    probePort,
    extraEnv,
  }: { name: string; portName: string; probePort: number | string; extraEnv: EnvVar[] },
): Container {
  const probe = (path: string, periodSeconds: number, failureThreshold: number): Probe => ({
    httpGet: { path, port: probePort },
    periodSeconds,
    failureThreshold,
    timeoutSeconds: 5,
  });
  const env: EnvVar[] = [
    ...extraEnv,
    ...(opts.trackingUri !== undefined
      ? [
          { name: 'FERRY_TRACKING_URI', value: opts.trackingUri },
          { name: 'MLFLOW_TRACKING_URI', value: opts.trackingUri },
        ]
      : []),
  ];
  const quantities: Record<string, string> = {
    ...(opts.cpu !== undefined ? { cpu: opts.cpu } : {}),
    ...(opts.memory !== undefined ? { memory: opts.memory } : {}),
  };
  return {
    name,
    image: opts.image,
    command: ['ferry'],
    args: serveArgs(opts),
    ports: [{ name: portName, containerPort: opts.port, protocol: 'TCP' }],
    ...(env.length ? { env } : {}),
    ...(Object.keys(quantities).length
      ? { resources: { requests: { ...quantities }, limits: { ...quantities } } }
      : {}),
    startupProbe: probe('/v2/health/live', 5, 120),
    readinessProbe: probe('/v2/health/ready', 5, 3),
    livenessProbe: probe('/v2/health/live', 10, 3),
  };
}

/** `--target kubernetes`: a Deployment running `ferry models serve`, and a ClusterIP Service in front. */
export function kubernetesManifests(opts: ManifestOptions): [Deployment, Service] {
  const selector = () => ({ 'app.kubernetes.io/name': opts.name });
  const { labels, annotations } = metadata(opts);
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: metadata(opts),
      spec: {
        replicas: opts.replicas,
        selector: { matchLabels: selector() },
        template: {
          metadata: { labels, annotations },
          spec: {
            containers: [
              container(opts, { name: 'ferry', portName: 'http', probePort: 'http', extraEnv: [] }),
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: metadata(opts),
      spec: {
        type: 'ClusterIP',
        selector: selector(),
        ports: [{ name: 'http', port: opts.servicePort ?? 80, targetPort: 'http', protocol: 'TCP' }],
      },
    },
  ];
}

/**
 * `--target kserve`: an InferenceService whose predictor is a custom container running
 * `ferry models serve`. KServe reads a custom container's protocol from its `PROTOCOL` environment
 * variable (`v1` or `v2`; `spec.predictor.model.protocolVersion` is for built-in runtimes only), finds it by
 * the name `kserve-container`, and routes to its first port (Knative: named `http1`).
 */
export function kserveManifest(opts: ManifestOptions): InferenceService {
  return {
    apiVersion: 'serving.kserve.io/v1beta1',
    kind: 'InferenceService',
    metadata: metadata(opts),
    spec: {
      predictor: {
        minReplicas: opts.replicas,
        maxReplicas: opts.replicas,
        // Knative (KServe's serverless mode) wants a probe's port to be the container port, by number.
        containers: [
          container(opts, {
            name: 'kserve-container',
            portName: 'http1',
            probePort: opts.port,
            extraEnv: [{ name: 'PROTOCOL', value: 'v2' }],
          }),
        ],
      },
    },
  };
}

import { writeFile } from 'node:fs/promises';
import { Option } from 'commander';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import {
  checkModelUri,
  checkName,
  checkNamespace,
  checkQuantity,
  DEFAULT_IMAGE,
  DEFAULT_PORTS,
  defaultName,
  kserveManifest,
  kubernetesManifests,
  MANIFEST_TARGETS,
} from './manifests.js';
import type { ManifestOptions, ManifestTarget } from './manifests.js';
import { positiveInteger } from './shared.js';

const port = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`invalid port '${v}': use 1 to 65535`);
  return n;
};

// As `ferry models serve --timeout` reads it.
const seconds = (v: string): number => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0)
    throw new Error(`invalid timeout '${v}': use a number ≥ 0`);
  return n;
};

interface BuildManifestsOpts {
  model: string;
  target: ManifestTarget;
  output?: string;
  name?: string;
  image: string;
  port?: number;
  servicePort?: number;
  replicas: number;
  namespace?: string;
  trackingUri?: string;
  cpu?: string;
  memory?: string;
  workers?: number;
  timeout?: number;
}

/** Several manifests as one multi-document YAML stream. */
export function manifestsYaml(objects: object[]): string {
  return objects.map((o) => stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');
}

/** Warnings about a tracking URI a pod is unlikely to reach. */
function trackingWarning(trackingUri: string | undefined): string | undefined {
  if (trackingUri === undefined) {
    return 'no --tracking-uri: the container resolves the model with its own FERRY_TRACKING_URI (default http://127.0.0.1:5000)';
  }
  if (/^https?:\/\/(localhost|127\.|\[::1\])/i.test(trackingUri)) {
    return `--tracking-uri ${trackingUri} names the pod itself inside the cluster: use an address the pod can reach`;
  }
  if (!/^https?:\/\//i.test(trackingUri)) {
    return `--tracking-uri ${trackingUri} is not a server URL: a pod reaches the registry over HTTP`;
  }
  return undefined;
}

/**
 * `ferry models build-manifests -m <model-uri> --target kubernetes|kserve`: Kubernetes YAML that runs
 * `ferry models serve` for the model in a cluster — a Deployment and a Service, or a KServe
 * InferenceService. Nothing is contacted: the manifests are printed (or written with `-o`).
 */
export function addBuildManifestsCommand(cmd: Command): void {
  cmd
    .command('build-manifests')
    .description(
      'Print Kubernetes manifests (Deployment + Service, or a KServe InferenceService) serving a model',
    )
    .requiredOption(
      '-m, --model <model-uri>',
      'models:/name@alias, models:/name/<version|stage|latest>, runs:/<run>/<path> (not a local path)',
    )
    .addOption(
      new Option('-t, --target <target>', 'what to deploy with')
        .choices(MANIFEST_TARGETS)
        .makeOptionMandatory(),
    )
    .option('-o, --output <file>', 'write the YAML to a file instead of printing it')
    .option('--name <name>', 'name of the objects (default: the model name as a DNS label)')
    .option('--image <image>', 'container image with `ferry` on its PATH', DEFAULT_IMAGE)
    .option('-p, --port <port>', 'container port (default: 5001 for kubernetes, 8080 for kserve)', port)
    .option('--service-port <port>', 'port of the Service (kubernetes; default 80)', port)
    .option(
      '--replicas <n>',
      'pods serving the model (kserve: min and max replicas)',
      positiveInteger('replicas'),
      1,
    )
    .option('-n, --namespace <namespace>', 'namespace of the objects (default: none, kubectl decides)', (v) =>
      checkNamespace(v),
    )
    .option('--tracking-uri <uri>', 'tracking server the pod resolves the model with (FERRY_TRACKING_URI)')
    .option('--cpu <quantity>', 'CPU request and limit, e.g. 500m or 2', (v) => checkQuantity('cpu', v))
    .option('--memory <quantity>', 'memory request and limit, e.g. 512Mi or 2Gi', (v) =>
      checkQuantity('memory', v),
    )
    .option('--workers <n>', 'passed to `ferry models serve --workers`', positiveInteger('workers'))
    .option('--timeout <seconds>', 'passed to `ferry models serve --timeout` (0: no limit)', seconds)
    .action(async (opts: BuildManifestsOpts) => {
      const modelUri = checkModelUri(opts.model);
      if (opts.target === 'kserve' && opts.servicePort !== undefined) {
        throw new Error('--service-port is for --target kubernetes: KServe creates the Service itself');
      }
      const options: ManifestOptions = {
        modelUri,
        name: opts.name !== undefined ? checkName(opts.name) : defaultName(modelUri),
        image: opts.image,
        port: opts.port ?? DEFAULT_PORTS[opts.target],
        replicas: opts.replicas,
        ...(opts.namespace !== undefined ? { namespace: opts.namespace } : {}),
        ...(opts.trackingUri !== undefined ? { trackingUri: opts.trackingUri } : {}),
        ...(opts.cpu !== undefined ? { cpu: opts.cpu } : {}),
        ...(opts.memory !== undefined ? { memory: opts.memory } : {}),
        ...(opts.workers !== undefined ? { workers: opts.workers } : {}),
        ...(opts.timeout !== undefined ? { timeout: opts.timeout } : {}),
        ...(opts.servicePort !== undefined ? { servicePort: opts.servicePort } : {}),
      };
      const warning = trackingWarning(opts.trackingUri);
      if (warning) console.error(`ferry models build-manifests: warning: ${warning}`);
      const yaml = manifestsYaml(
        opts.target === 'kserve' ? [kserveManifest(options)] : kubernetesManifests(options),
      );
      if (opts.output === undefined) process.stdout.write(yaml);
      else {
        await writeFile(opts.output, yaml);
        console.error(`ferry models build-manifests: wrote ${opts.output}`);
      }
    });
}

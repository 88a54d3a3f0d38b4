import type { ReactNode } from 'react';
import { signatureBlock } from '../artifact-formats';
import { KeyValueTable, LabelledRows, Loading, visibleTags } from '../components';
import { formatNumber, formatTime } from '../format';
import { href } from '../router';
import { useLoad } from '../use-load';
import { MlModelView } from './artifact-preview';
import { ArtifactsBrowser } from './artifacts-browser';
import {
  getLoggedModel,
  latestMetrics,
  loggedModelArtifacts,
  loggedModelMlModel,
  registrationsOf,
  statusLabel,
} from './logged-model-api';
import type { LoggedModel } from './logged-model-api';

/** Metric values arrive as numbers, or as "NaN" / "Infinity" strings. */
const metricText = (value: number | string) => (typeof value === 'number' ? formatNumber(value) : value);

function Overview({ model }: { model: LoggedModel }) {
  const { info } = model;
  const registrations = registrationsOf(model);
  const rows: [string, ReactNode][] = [
    ['Model ID', <span className="mono">{info.model_id}</span>],
    ['Status', `${statusLabel(info.status)}${info.status_message ? ` (${info.status_message})` : ''}`],
    ['Model type', info.model_type ?? ''],
    ['Created', formatTime(info.creation_timestamp_ms)],
    ['Last modified', formatTime(info.last_updated_timestamp_ms)],
    [
      'Source run',
      info.source_run_id ? (
        <a className="mono" href={href('experiments', info.experiment_id, 'runs', info.source_run_id)}>
          {info.source_run_id}
        </a>
      ) : (
        ''
      ),
    ],
    [
      'Registered versions',
      registrations.length === 0
        ? ''
        : registrations.map((r) => (
            <a
              className="badge"
              key={`${r.name}/${r.version}`}
              href={href('models', r.name, 'versions', r.version)}
            >
              {r.name} v{r.version}
            </a>
          )),
    ],
    ['Artifact location', <span className="mono">{info.artifact_uri}</span>],
  ];
  return (
    <section className="card" data-testid="logged-model-overview">
      <LabelledRows rows={rows} />
    </section>
  );
}

/** The latest value of each metric, one row per metric and dataset it was computed on. */
function Metrics({ model }: { model: LoggedModel }) {
  const metrics = latestMetrics(model.data?.metrics);
  return (
    <section className="card" data-testid="logged-model-metrics">
      <h2>
        Metrics <span className="count">{metrics.length}</span>
      </h2>
      {metrics.length === 0 ? (
        <p className="muted">None</p>
      ) : (
        <table className="kv">
          <thead>
            <tr>
              <th>Key</th>
              <th>Latest value</th>
              <th>Dataset</th>
              <th>Step</th>
              <th>Run</th>
            </tr>
          </thead>
          <tbody>
            {metrics.map((m) => (
              <tr key={`${m.key}|${m.dataset_name ?? ''}|${m.dataset_digest ?? ''}`}>
                <th>{m.key}</th>
                <td>{metricText(m.value)}</td>
                <td>
                  {m.dataset_name ?? ''}
                  {m.dataset_digest && <span className="muted mono"> ({m.dataset_digest})</span>}
                </td>
                <td>{m.step}</td>
                <td>
                  {m.run_id && (
                    <a
                      className="mono"
                      href={href('experiments', model.info.experiment_id, 'runs', m.run_id)}
                    >
                      {m.run_id}
                    </a>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** Flavors and signature from the model's MLmodel file, when the browser can read it. */
function MlModelCard({ model }: { model: LoggedModel }) {
  const file = useLoad(model.info.artifact_uri, () => loggedModelMlModel(model));
  if (file.loading || file.error || !file.data) return null;
  const signature = signatureBlock(file.data.text);
  return (
    <section className="card" data-testid="model-file">
      <h2>Model</h2>
      {file.data.summary && <MlModelView summary={file.data.summary} />}
      {signature !== undefined && (
        <>
          <h3>Signature as written</h3>
          <pre className="text-preview">{signature}</pre>
        </>
      )}
    </section>
  );
}

/**
 * One logged model (MLflow 3), at MLflow's route `#/experiments/<exp>/models/<model_id>`: status,
 * source run, registered versions, params, latest metrics per dataset, tags, the MLmodel summary and
 * the model's artifacts.
 */
export function LoggedModelPage({ experimentId, modelId }: { experimentId: string; modelId: string }) {
  const loaded = useLoad(modelId, () => getLoggedModel(modelId));
  return (
    <div className="page">
      <div className="crumbs">
        <a href={href('experiments')}>Experiments</a> /{' '}
        <a href={href('experiments', experimentId)}>Experiment {experimentId}</a> /{' '}
        <a href={href('experiments', experimentId, 'models')}>Models</a> /
      </div>
      <Loading loading={loaded.loading} error={loaded.error}>
        {() => {
          const model = loaded.data!;
          const params = [...(model.data?.params ?? [])].sort((a, b) => a.key.localeCompare(b.key));
          return (
            <>
              <h1>{model.info.name}</h1>
              <Overview model={model} />
              <div className="columns">
                <KeyValueTable title="Parameters" rows={params} testId="logged-model-params" />
                <KeyValueTable title="Tags" rows={visibleTags(model.info.tags)} testId="logged-model-tags" />
              </div>
              <Metrics model={model} />
              <MlModelCard model={model} />
              <ArtifactsBrowser source={loggedModelArtifacts(model)} />
            </>
          );
        }}
      </Loading>
    </div>
  );
}

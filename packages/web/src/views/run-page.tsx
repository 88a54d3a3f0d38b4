import type { ReactNode } from 'react';
import { get } from '../api';
import { KeyValueTable, Loading } from '../components';
import { formatDuration, formatNumber, formatTime, tagValue } from '../format';
import { href } from '../router';
import type { Run } from '../types';
import { isLive } from '../live';
import { useLiveLoad } from '../use-live-load';
import { useRefresh } from '../use-refresh';
import { ArtifactsBrowser } from './artifacts-browser';
import { MetricChart } from './metric-chart';
import { RunDescription, RunTags, RunTitle } from './run-editing';
import { ChildRuns } from './runs-child-runs';

function Overview({ run }: { run: Run }) {
  const tags = run.data.tags;
  const parent = tagValue(tags, 'mlflow.parentRunId');
  const commit = tagValue(tags, 'mlflow.source.git.commit');
  const rows: [string, ReactNode][] = [
    ['Run ID', <span className="mono">{run.info.run_id}</span>],
    ['Status', <span className={`status status-${run.info.status.toLowerCase()}`}>{run.info.status}</span>],
    ['Start time', formatTime(run.info.start_time)],
    ['End time', formatTime(run.info.end_time)],
    ['Duration', formatDuration(run.info.start_time, run.info.end_time)],
    ['User', tagValue(tags, 'mlflow.user') ?? run.info.user_id ?? ''],
    ['Source', tagValue(tags, 'mlflow.source.name') ?? ''],
    ['Git commit', commit ? <span className="mono">{commit}</span> : ''],
    [
      'Parent run',
      parent ? <a href={href('experiments', run.info.experiment_id, 'runs', parent)}>{parent}</a> : '',
    ],
    ['Lifecycle', run.info.lifecycle_stage],
    ['Artifact URI', <span className="mono">{run.info.artifact_uri}</span>],
  ];
  const datasets = run.inputs?.dataset_inputs ?? [];
  return (
    <section className="card" data-testid="overview">
      <h2>Overview</h2>
      <table className="kv">
        <tbody>
          {rows
            .filter(([, value]) => value !== '')
            .map(([label, value]) => (
              <tr key={label}>
                <th>{label}</th>
                <td>{value}</td>
              </tr>
            ))}
          {datasets.length > 0 && (
            <tr>
              <th>Datasets</th>
              <td>
                {datasets.map((d) => (
                  <div key={`${d.dataset.name}@${d.dataset.digest}`}>
                    {d.dataset.name} <span className="muted mono">({d.dataset.digest})</span>
                    {d.tags?.map((t) => (
                      <span className="badge" key={t.key}>
                        {t.key === 'mlflow.data.context' ? t.value : `${t.key}=${t.value}`}
                      </span>
                    ))}
                  </div>
                ))}
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </section>
  );
}

/**
 * One run: name and markdown description (editable), overview, params, metrics with a chart per key,
 * tags (editable) and the artifact tree with previews.
 */
export function RunPage({ runId }: { runId: string }) {
  // A RUNNING run reloads in the background every few seconds while the page is visible.
  const loaded = useLiveLoad(
    runId,
    () => get<{ run: Run }>('runs/get', { run_id: runId }),
    (data) => isLive(data.run.info.status),
  );
  // After an edit (name, description, tags) the run is fetched again quietly, keeping the page's state.
  const current = useRefresh(loaded, () => get<{ run: Run }>('runs/get', { run_id: runId }));
  return (
    <div className="page">
      <Loading loading={loaded.loading} error={loaded.error}>
        {() => {
          const run = current.data!.run;
          const metrics = [...(run.data.metrics ?? [])].sort((a, b) => a.key.localeCompare(b.key));
          const params = [...(run.data.params ?? [])].sort((a, b) => a.key.localeCompare(b.key));
          return (
            <>
              <div className="crumbs">
                <a href={href('experiments')}>Experiments</a> /{' '}
                <a href={href('experiments', run.info.experiment_id)}>Experiment {run.info.experiment_id}</a>{' '}
                /
              </div>
              <RunTitle run={run} onChanged={current.refresh} />
              <RunDescription run={run} onChanged={current.refresh} />
              <div className="columns">
                <Overview run={run} />
                <KeyValueTable title="Parameters" rows={params} testId="params" />
              </div>
              <ChildRuns run={run} />
              <section className="card" data-testid="metrics">
                <h2>
                  Metrics <span className="count">{metrics.length}</span>
                </h2>
                {metrics.length === 0 ? (
                  <p className="muted">None</p>
                ) : (
                  <>
                    <table className="kv">
                      <thead>
                        <tr>
                          <th>Key</th>
                          <th>Latest value</th>
                          <th>Step</th>
                          <th>Logged at</th>
                        </tr>
                      </thead>
                      <tbody>
                        {metrics.map((m) => (
                          <tr key={m.key}>
                            <th>{m.key}</th>
                            <td>{formatNumber(Number(m.value))}</td>
                            <td>{m.step}</td>
                            <td>{formatTime(m.timestamp)}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                    <div className="charts">
                      {metrics.map((m) => (
                        <MetricChart
                          key={m.key}
                          runId={run.info.run_id}
                          metricKey={m.key}
                          runStart={run.info.start_time}
                          version={`${m.step}|${m.timestamp}|${m.value}`}
                        />
                      ))}
                    </div>
                  </>
                )}
              </section>
              <RunTags run={run} onChanged={current.refresh} />
              <ArtifactsBrowser runId={run.info.run_id} artifactUri={run.info.artifact_uri} />
            </>
          );
        }}
      </Loading>
    </div>
  );
}

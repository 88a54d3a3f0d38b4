import { useState } from 'react';
import type { ReactNode } from 'react';
import { cancelRun, effectiveParameters, getRun, isRunLive, retryRun, showJson } from '../api-pipelines';
import type { PipelineRun, TaskStatus } from '../api-pipelines';
import { ErrorBox, LabelledRows, Loading } from '../components';
import { formatTime } from '../format';
import { href, setQuery, useRoute } from '../router';
import { PipelineDag, StatusPill, toggled } from './pipeline-dag-view';
import { useNow, usePolledLoad } from './pipeline-hooks';
import { runDuration } from './pipeline-list';
import { TaskPanel } from './pipeline-task-panel';
import './pipelines.css';

const TASK_STATUSES: TaskStatus[] = [
  'pending',
  'running',
  'succeeded',
  'cached',
  'failed',
  'skipped',
  'cancelled',
];

function Header({ run, now }: { run: PipelineRun; now: number }) {
  const rows: [string, ReactNode][] = [
    ['Run ID', <span className="mono">{run.run_id}</span>],
    ['Status', <StatusPill status={run.status} />],
    [
      'Pipeline',
      run.pipeline_id ? (
        <a href={`${href('pipelines', run.pipeline_id)}?version=${run.pipeline_version}`}>
          {run.spec?.name ?? run.pipeline_id} version {run.pipeline_version}
        </a>
      ) : (
        `${run.spec?.name ?? ''} (inline spec)`
      ),
    ],
    ['Created', formatTime(run.created_at)],
    ['Started', formatTime(run.started_at ?? undefined)],
    ['Finished', formatTime(run.finished_at ?? undefined)],
    ['Duration', runDuration(run, now)],
    [
      'Tracking run',
      run.tracking_run_id ? (
        <a
          className="mono"
          data-testid="tracking-run-link"
          href={href('experiments', run.experiment_id, 'runs', run.tracking_run_id)}
        >
          {run.tracking_run_id}
        </a>
      ) : (
        ''
      ),
    ],
    ['Experiment', <a href={href('experiments', run.experiment_id)}>{run.experiment_id}</a>],
    ['Schedule', run.schedule_id ? <span className="mono">{run.schedule_id}</span> : ''],
  ];
  const parameters = effectiveParameters(run);
  return (
    <div className="columns">
      <section className="card" data-testid="run-overview">
        <h2>Overview</h2>
        <LabelledRows rows={rows} />
        {run.error && (
          <div className="error" data-testid="run-error">
            {run.error}
          </div>
        )}
      </section>
      <section className="card" data-testid="run-parameters">
        <h2>
          Parameters <span className="count">{parameters.length}</span>
        </h2>
        {parameters.length === 0 ? (
          <p className="muted">None</p>
        ) : (
          <table className="kv">
            <tbody>
              {parameters.map((p) => (
                <tr key={p.name}>
                  <th className="mono">{p.name}</th>
                  <td className="mono">
                    {showJson(p.value)} {!p.given && <span className="muted">(default)</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}

/**
 * `#/pipeline-runs/<id>[?task=<task id>&expand=<task id>...]`: a pipeline run's header, its DAG with
 * live task states (polled every second until the run ends), Cancel / Retry, and the selected task's
 * panel.
 */
export function PipelineRunPage({ runId }: { runId: string }) {
  const { query } = useRoute();
  const selected = query.get('task') ?? undefined;
  const expanded = query.getAll('expand');
  const loaded = usePolledLoad(
    runId,
    () => getRun(runId),
    (data) => isRunLive(data.run.status),
  );
  const live = loaded.data !== undefined && isRunLive(loaded.data.run.status);
  const now = useNow(live);
  const [actionError, setActionError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const act = async (action: () => Promise<unknown>) => {
    setActionError(undefined);
    setBusy(true);
    try {
      await action();
    } catch (e) {
      setActionError(e instanceof Error ? e : new Error(String(e)));
    } finally {
      setBusy(false);
      loaded.reload();
    }
  };
  return (
    <div className="page">
      <div className="crumbs">
        <a href={href('pipelines')}>Pipelines</a> / <a href={`${href('pipelines')}?tab=runs`}>Runs</a> /
      </div>
      <Loading loading={loaded.loading} error={loaded.error}>
        {() => {
          const { run, tasks } = loaded.data!;
          const counts = TASK_STATUSES.map(
            (s) => [s, tasks.filter((t) => t.status === s).length] as const,
          ).filter(([, n]) => n > 0);
          const task = selected ? tasks.find((t) => t.task_id === selected) : undefined;
          return (
            <>
              <div className="toolbar">
                <h1 style={{ margin: 0 }} data-testid="run-name">
                  {run.name}
                </h1>
                <StatusPill status={run.status} testId="run-status" />
                <div className="push-right actions-row">
                  {(run.status === 'pending' || run.status === 'running' || run.status === 'cancelling') && (
                    <button
                      type="button"
                      disabled={busy || run.status === 'cancelling'}
                      onClick={() => void act(() => cancelRun(run.run_id))}
                    >
                      {run.status === 'cancelling' ? 'Cancelling…' : 'Cancel'}
                    </button>
                  )}
                  {(run.status === 'failed' || run.status === 'cancelled') && (
                    <button
                      type="button"
                      disabled={busy}
                      onClick={() => void act(() => retryRun(run.run_id))}
                    >
                      Retry
                    </button>
                  )}
                </div>
              </div>
              <ErrorBox error={actionError} />
              <Header run={run} now={now} />
              <div className={`run-layout${selected ? ' with-panel' : ''}`}>
                <section className="card" data-testid="run-dag">
                  <h2>
                    Tasks{' '}
                    <span className="count">
                      {counts.map(([s, n]) => `${n} ${s}`).join(' · ') || 'none started yet'}
                    </span>
                  </h2>
                  {run.spec ? (
                    <PipelineDag
                      spec={run.spec}
                      tasks={tasks}
                      expanded={new Set(expanded)}
                      onToggle={(id) => setQuery({ expand: toggled(expanded, id) }, true)}
                      selected={selected}
                      onSelect={(id) => setQuery({ task: id === selected ? undefined : id }, true)}
                      now={now}
                    />
                  ) : (
                    <p className="muted">The run has no spec.</p>
                  )}
                  <div className="dag-legend muted">
                    {TASK_STATUSES.map((s) => (
                      <StatusPill key={s} status={s} />
                    ))}
                  </div>
                </section>
                {selected && (
                  <TaskPanel
                    key={selected}
                    run={run}
                    taskId={selected}
                    task={task}
                    now={now}
                    onClose={() => setQuery({ task: undefined }, true)}
                  />
                )}
              </div>
            </>
          );
        }}
      </Loading>
    </div>
  );
}

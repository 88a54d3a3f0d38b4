import { useEffect, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import { artifactLocation, taskLog } from '../api-pipelines';
import type { Json, PipelineRun, PipelineTask } from '../api-pipelines';
import { LabelledRows, Loading } from '../components';
import { formatDuration, formatTime } from '../format';
import { href } from '../router';
import { ArtifactsBrowser } from './artifacts-browser';
import { taskSpecAt } from './pipeline-dag';
import { StatusPill } from './pipeline-dag-view';
import { usePolledLoad } from './pipeline-hooks';
import { OutputArtifact } from './pipeline-outputs';
import './pipelines.css';

/** One attempt's log, polled every second while the task runs, scrolled to its end as it grows. */
function TaskLog({ run, task }: { run: PipelineRun; task: PipelineTask }) {
  const [attempt, setAttempt] = useState<number>();
  const shown = attempt ?? task.attempt;
  const running = task.status === 'running' && shown === task.attempt;
  // The key changes with the status, so the final log is read once the attempt ends.
  const log = usePolledLoad(
    `${run.run_id}|${task.task_id}|${shown}|${task.status}`,
    () => taskLog(run.run_id, task.task_id, shown > 0 ? shown : undefined),
    () => running,
  );
  const box = useRef<HTMLPreElement>(null);
  const stick = useRef(true);
  const text = log.data;
  useEffect(() => {
    const el = box.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [text]);
  return (
    <section data-testid="task-log-section">
      <div className="actions-row">
        <h3>Logs</h3>
        {task.attempt > 1 && (
          <select aria-label="Attempt" value={shown} onChange={(e) => setAttempt(Number(e.target.value))}>
            {Array.from({ length: task.attempt }, (_, i) => i + 1).map((n) => (
              <option key={n} value={n}>
                attempt {n}
              </option>
            ))}
          </select>
        )}
        {running && <span className="muted">following…</span>}
      </div>
      <Loading loading={log.loading} error={log.error}>
        {() =>
          text === undefined ? (
            <p className="muted" data-testid="task-log-none">
              No log:{' '}
              {task.status === 'cached'
                ? 'served from the cache'
                : task.status === 'skipped'
                  ? 'skipped'
                  : 'not started'}
              .
            </p>
          ) : (
            <pre
              className="task-log"
              data-testid="task-log"
              ref={box}
              onScroll={(e) => {
                const el = e.currentTarget;
                stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
              }}
            >
              {text || '(empty)'}
            </pre>
          )
        }
      </Loading>
    </section>
  );
}

const isArtifactUri = (v: Json | undefined): v is string =>
  typeof v === 'string' && artifactLocation(v) !== undefined;

/**
 * The side panel of one task: status, attempt, times, error, cache, inputs and outputs, its log, its
 * tracking run, and previews of its output artifacts.
 */
export function TaskPanel({
  run,
  taskId,
  task,
  now,
  onClose,
}: {
  run: PipelineRun;
  taskId: string;
  task: PipelineTask | undefined;
  now: number;
  onClose: () => void;
}) {
  const spec = taskSpecAt(run.spec, taskId);
  const declared = spec?.component.outputs ?? {};
  const head = (
    <div className="panel-head">
      <h2 className="mono">{taskId}</h2>
      {task && <StatusPill status={task.status} />}
      <button type="button" className="push-right" aria-label="Close task panel" onClick={onClose}>
        ×
      </button>
    </div>
  );
  if (!task) {
    return (
      <aside className="card task-panel" data-testid="task-panel" data-task-id={taskId}>
        {head}
        <p className="muted">This task has not started yet (pending).</p>
        {spec && <p className="muted">Component: {spec.component.name}</p>}
      </aside>
    );
  }
  const rows: [string, ReactNode][] = [
    ['Status', task.status],
    ['Component', spec?.component.name ?? ''],
    ['Attempt', String(task.attempt)],
    ['Created', formatTime(task.created_at ?? undefined)],
    ['Started', formatTime(task.started_at ?? undefined)],
    ['Finished', formatTime(task.finished_at ?? undefined)],
    [
      'Duration',
      task.started_at
        ? formatDuration(task.started_at, task.finished_at ?? (task.status === 'running' ? now : undefined))
        : '',
    ],
    [
      'Cached from',
      task.cached_from ? (
        <a
          data-testid="cached-from"
          href={`${href('pipeline-runs', task.cached_from.run_id)}?task=${encodeURIComponent(task.cached_from.task_id)}`}
        >
          {task.cached_from.task_id} of run {task.cached_from.run_id.slice(0, 8)}
        </a>
      ) : (
        ''
      ),
    ],
    [
      'Cache key',
      task.cache_key ? (
        <span className="mono" title={task.cache_key}>
          {task.cache_key.slice(0, 16)}…
        </span>
      ) : (
        ''
      ),
    ],
    [
      'Tracking run',
      task.tracking_run_id ? (
        <a
          className="mono"
          data-testid="task-tracking-run"
          href={href('experiments', run.experiment_id, 'runs', task.tracking_run_id)}
        >
          {task.tracking_run_id}
        </a>
      ) : (
        ''
      ),
    ],
  ];
  const outputs = task.outputs ?? {};
  const artifacts = Object.entries(outputs).filter(
    ([name, v]) => declared[name]?.kind === 'artifact' || isArtifactUri(v),
  );
  const hasLog = task.attempt > 0 || task.log_uri !== null;
  return (
    <aside
      className="card task-panel"
      data-testid="task-panel"
      data-task-id={taskId}
      data-status={task.status}
    >
      {head}
      <LabelledRows rows={rows} />
      {task.error && (
        <div className="error" data-testid="task-error">
          {task.error}
        </div>
      )}
      <h3>Inputs</h3>
      <pre className="json" data-testid="task-inputs">
        {JSON.stringify(task.inputs ?? {}, null, 2)}
      </pre>
      <h3>Outputs</h3>
      <pre className="json" data-testid="task-outputs">
        {JSON.stringify(outputs, null, 2)}
      </pre>
      {hasLog ? (
        <TaskLog run={run} task={task} />
      ) : (
        <p className="muted">
          No log:{' '}
          {task.status === 'cached'
            ? 'the outputs came from the cache.'
            : 'nothing ran for this task itself.'}
        </p>
      )}
      {artifacts.length > 0 && (
        <section data-testid="output-artifacts">
          <h3>Output artifacts</h3>
          {artifacts.map(([name, uri]) => {
            const io = declared[name];
            return (
              <OutputArtifact
                key={name}
                name={name}
                type={io?.kind === 'artifact' ? io.type : undefined}
                uri={String(uri)}
                taskRunId={task.tracking_run_id}
              />
            );
          })}
        </section>
      )}
      {task.tracking_run_id && (
        <details>
          <summary>All artifacts of the task's run</summary>
          <ArtifactsBrowser runId={task.tracking_run_id} />
        </details>
      )}
    </aside>
  );
}

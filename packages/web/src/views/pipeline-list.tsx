import { useState } from 'react';
import { RUN_STATUSES, isRunLive, listPipelines, listRuns } from '../api-pipelines';
import type { Pipeline, PipelineRun } from '../api-pipelines';
import { Loading } from '../components';
import { formatDuration, formatTime } from '../format';
import { href, setQuery, useRoute } from '../router';
import { useLoad } from '../use-load';
import { StatusPill } from './pipeline-dag-view';
import { useNow, usePolledLoad } from './pipeline-hooks';
import './pipelines.css';

/** `#/pipeline-runs/compare?ids=a,b,c`. */
export const compareHref = (ids: string[]) => `${href('pipeline-runs', 'compare')}?ids=${ids.join(',')}`;

/** A run's duration so far (until now while it runs). */
export function runDuration(run: PipelineRun, now: number): string {
  if (!run.started_at) return '';
  return formatDuration(run.started_at, run.finished_at ?? (isRunLive(run.status) ? now : undefined));
}

/**
 * A table of pipeline runs: name, pipeline, status, started, duration. With `onSelect`, a checkbox per
 * run selects it (for comparing).
 */
export function PipelineRunsTable({
  runs,
  pipelines,
  selected,
  onSelect,
  testId = 'pipeline-runs',
}: {
  runs: PipelineRun[];
  pipelines?: Map<string, Pipeline>;
  selected?: ReadonlySet<string>;
  onSelect?: (runId: string, on: boolean) => void;
  testId?: string;
}) {
  const now = useNow(runs.some((r) => isRunLive(r.status)));
  return (
    <table className="grid" data-testid={testId}>
      <thead>
        <tr>
          {onSelect && <th aria-label="Select" />}
          <th>Name</th>
          <th>Pipeline</th>
          <th>Status</th>
          <th>Started</th>
          <th>Duration</th>
        </tr>
      </thead>
      <tbody>
        {runs.length === 0 && (
          <tr>
            <td colSpan={onSelect ? 6 : 5} className="muted">
              No runs
            </td>
          </tr>
        )}
        {runs.map((r) => {
          const pipeline = r.pipeline_id ? pipelines?.get(r.pipeline_id) : undefined;
          return (
            <tr key={r.run_id} data-run-id={r.run_id} data-status={r.status}>
              {onSelect && (
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Select ${r.name}`}
                    checked={selected?.has(r.run_id) ?? false}
                    onChange={(e) => onSelect(r.run_id, e.target.checked)}
                  />
                </td>
              )}
              <td>
                <a href={href('pipeline-runs', r.run_id)}>{r.name}</a>
              </td>
              <td>
                {r.pipeline_id ? (
                  <a href={href('pipelines', r.pipeline_id)}>
                    {pipeline?.name ?? r.pipeline_id.slice(0, 8)}
                    {r.pipeline_version !== null ? ` v${r.pipeline_version}` : ''}
                  </a>
                ) : (
                  <span className="muted">inline spec</span>
                )}
              </td>
              <td>
                <StatusPill status={r.status} />
              </td>
              <td>{formatTime(r.started_at ?? r.created_at)}</td>
              <td>{runDuration(r, now)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function PipelinesTable({ pipelines }: { pipelines: Pipeline[] }) {
  return (
    <table className="grid" data-testid="pipelines">
      <thead>
        <tr>
          <th>Name</th>
          <th>Latest version</th>
          <th>Created</th>
          <th>Description</th>
        </tr>
      </thead>
      <tbody>
        {pipelines.length === 0 && (
          <tr>
            <td colSpan={4} className="muted">
              No pipelines yet: create one with <code>ferry pipelines run pipeline.ts --upload name</code> or
              the REST API.
            </td>
          </tr>
        )}
        {pipelines.map((p) => (
          <tr key={p.pipeline_id} data-pipeline-id={p.pipeline_id}>
            <td>
              <a href={href('pipelines', p.pipeline_id)}>{p.name}</a>
            </td>
            <td>
              {p.latest_version === null ? (
                <span className="muted">none</span>
              ) : (
                <a href={`${href('pipelines', p.pipeline_id)}?version=${p.latest_version}`}>
                  Version {p.latest_version}
                </a>
              )}
            </td>
            <td>{formatTime(p.created_at)}</td>
            <td>{p.description}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function RunsTab({ pipelines }: { pipelines: Map<string, Pipeline> }) {
  const { query } = useRoute();
  const statuses = query.getAll('status');
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const runs = usePolledLoad(
    statuses.join(','),
    () => listRuns(statuses.length > 0 ? { status: statuses } : {}),
    (data) => data.runs.some((r) => isRunLive(r.status)),
    3000,
  );
  const flip = (status: string, on: boolean) =>
    setQuery({ status: on ? [...statuses, status] : statuses.filter((s) => s !== status) });
  const select = (runId: string, on: boolean) => {
    const next = new Set(selected);
    if (on) next.add(runId);
    else next.delete(runId);
    setSelected(next);
  };
  return (
    <>
      <div className="toolbar" data-testid="status-filter">
        <span className="muted">Status:</span>
        {RUN_STATUSES.map((s) => (
          <label key={s}>
            <input
              type="checkbox"
              aria-label={`Status ${s}`}
              checked={statuses.includes(s)}
              onChange={(e) => flip(s, e.target.checked)}
            />{' '}
            {s}
          </label>
        ))}
        <button
          type="button"
          className="push-right"
          disabled={selected.size < 2}
          title={selected.size < 2 ? 'Select two or more runs' : undefined}
          onClick={() => {
            window.location.hash = compareHref([...selected]);
          }}
        >
          Compare {selected.size > 0 ? `(${selected.size})` : ''}
        </button>
      </div>
      <Loading loading={runs.loading} error={runs.error}>
        {() => (
          <>
            <PipelineRunsTable
              runs={runs.data!.runs}
              pipelines={pipelines}
              selected={selected}
              onSelect={select}
            />
            {runs.data!.next_page_token && (
              <p className="muted">Showing the newest {runs.data!.runs.length} runs.</p>
            )}
          </>
        )}
      </Loading>
    </>
  );
}

/** `#/pipelines`: the pipelines, and (`?tab=runs`) the recent pipeline runs filtered by status. */
export function PipelineList() {
  const { query } = useRoute();
  const tab = query.get('tab') === 'runs' ? 'runs' : 'pipelines';
  const pipelines = useLoad('pipelines', listPipelines);
  const byId = new Map((pipelines.data?.pipelines ?? []).map((p) => [p.pipeline_id, p]));
  return (
    <div className="page">
      <h1>Pipelines</h1>
      <nav className="tabs" aria-label="Pipelines tabs">
        <a
          href={href('pipelines')}
          className={tab === 'pipelines' ? 'active' : ''}
          aria-current={tab === 'pipelines' ? 'page' : undefined}
        >
          Pipelines
        </a>
        <a
          href={`${href('pipelines')}?tab=runs`}
          className={tab === 'runs' ? 'active' : ''}
          aria-current={tab === 'runs' ? 'page' : undefined}
        >
          Runs
        </a>
      </nav>
      {tab === 'runs' ? (
        <RunsTab pipelines={byId} />
      ) : (
        <Loading loading={pipelines.loading} error={pipelines.error}>
          {() => <PipelinesTable pipelines={pipelines.data!.pipelines} />}
        </Loading>
      )}
    </div>
  );
}

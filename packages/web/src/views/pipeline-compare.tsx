import { effectiveParameters, getRun, isRunLive, showJson } from '../api-pipelines';
import type { RunWithTasks } from '../api-pipelines';
import { Loading } from '../components';
import { formatDuration, formatNumber } from '../format';
import { href, useRoute } from '../router';
import { StatusPill } from './pipeline-dag-view';
import { useNow, usePolledLoad } from './pipeline-hooks';
import { runDuration } from './pipeline-list';
import './pipelines.css';

const distinct = (values: string[]) => new Set(values).size > 1;

function RunHeads({ runs }: { runs: RunWithTasks[] }) {
  return (
    <>
      {runs.map(({ run }) => (
        <th key={run.run_id}>
          <a href={href('pipeline-runs', run.run_id)}>{run.name}</a>
        </th>
      ))}
    </>
  );
}

/**
 * `#/pipeline-runs/compare?ids=a,b,c`: pipeline runs side by side: parameters (rows whose values
 * differ are highlighted), each task's status and duration, and the tasks' numeric outputs.
 */
export function PipelineCompare() {
  const { query } = useRoute();
  const ids = (query.get('ids') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const loaded = usePolledLoad(
    ids.join(','),
    () => Promise.all(ids.map((id) => getRun(id))),
    (data) => data.some((r) => isRunLive(r.run.status)),
    2000,
  );
  const now = useNow(loaded.data?.some((r) => isRunLive(r.run.status)) ?? false);
  return (
    <div className="page">
      <div className="crumbs">
        <a href={href('pipelines')}>Pipelines</a> / <a href={`${href('pipelines')}?tab=runs`}>Runs</a> /
      </div>
      <h1>Compare {ids.length} pipeline runs</h1>
      {ids.length < 2 && <p className="muted">Select two or more runs in the Runs tab to compare them.</p>}
      <Loading loading={loaded.loading} error={loaded.error}>
        {() => {
          const runs = loaded.data!;
          const params = [
            ...new Set(runs.flatMap((r) => effectiveParameters(r.run).map((p) => p.name))),
          ].sort();
          const paramValue = (r: RunWithTasks, name: string) => {
            const p = effectiveParameters(r.run).find((x) => x.name === name);
            return p ? showJson(p.value) : '';
          };
          const taskIds: string[] = [];
          for (const r of runs)
            for (const t of r.tasks) if (!taskIds.includes(t.task_id)) taskIds.push(t.task_id);
          const outputs: { task: string; output: string }[] = [];
          for (const task of taskIds) {
            const names = new Set<string>();
            for (const r of runs) {
              const t = r.tasks.find((x) => x.task_id === task);
              for (const [k, v] of Object.entries(t?.outputs ?? {})) if (typeof v === 'number') names.add(k);
            }
            for (const output of [...names].sort()) outputs.push({ task, output });
          }
          const numberAt = (r: RunWithTasks, task: string, output: string) => {
            const v = r.tasks.find((x) => x.task_id === task)?.outputs?.[output];
            return typeof v === 'number' ? v : undefined;
          };
          return (
            <>
              <section className="card" data-testid="compare-summary">
                <h2>Runs</h2>
                <table className="grid">
                  <thead>
                    <tr>
                      <th />
                      <RunHeads runs={runs} />
                    </tr>
                  </thead>
                  <tbody>
                    <tr>
                      <th>Pipeline</th>
                      {runs.map(({ run }) => (
                        <td key={run.run_id}>
                          {run.spec?.name}
                          {run.pipeline_version !== null ? ` v${run.pipeline_version}` : ''}
                        </td>
                      ))}
                    </tr>
                    <tr>
                      <th>Status</th>
                      {runs.map(({ run }) => (
                        <td key={run.run_id}>
                          <StatusPill status={run.status} />
                        </td>
                      ))}
                    </tr>
                    <tr>
                      <th>Duration</th>
                      {runs.map(({ run }) => (
                        <td key={run.run_id}>{runDuration(run, now)}</td>
                      ))}
                    </tr>
                  </tbody>
                </table>
              </section>
              <section className="card" data-testid="compare-parameters">
                <h2>
                  Parameters <span className="count">{params.length}</span>
                </h2>
                <table className="grid">
                  <thead>
                    <tr>
                      <th>Parameter</th>
                      <RunHeads runs={runs} />
                    </tr>
                  </thead>
                  <tbody>
                    {params.map((name) => {
                      const values = runs.map((r) => paramValue(r, name));
                      const differs = distinct(values);
                      return (
                        <tr
                          key={name}
                          className={differs ? 'differs' : ''}
                          data-testid={`param-row-${name}`}
                          data-differs={differs}
                        >
                          <th className="mono">{name}</th>
                          {values.map((v, i) => (
                            <td key={i} className="mono">
                              {v}
                            </td>
                          ))}
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </section>
              <section className="card" data-testid="compare-tasks">
                <h2>
                  Tasks <span className="count">{taskIds.length}</span>
                </h2>
                <table className="grid">
                  <thead>
                    <tr>
                      <th>Task</th>
                      <RunHeads runs={runs} />
                    </tr>
                  </thead>
                  <tbody>
                    {taskIds.map((id) => {
                      const cells = runs.map((r) => r.tasks.find((t) => t.task_id === id));
                      const differs = distinct(cells.map((t) => t?.status ?? ''));
                      return (
                        <tr key={id} className={differs ? 'differs' : ''} data-testid={`task-row-${id}`}>
                          <th className="mono">{id}</th>
                          {cells.map((t, i) => (
                            <td key={i}>
                              {t ? (
                                <>
                                  <StatusPill status={t.status} />{' '}
                                  <span className="muted">
                                    {t.started_at
                                      ? formatDuration(
                                          t.started_at,
                                          t.finished_at ?? (t.status === 'running' ? now : undefined),
                                        )
                                      : ''}
                                  </span>
                                </>
                              ) : (
                                <span className="muted">—</span>
                              )}
                            </td>
                          ))}
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </section>
              <section className="card" data-testid="compare-outputs">
                <h2>
                  Numeric outputs <span className="count">{outputs.length}</span>
                </h2>
                {outputs.length === 0 ? (
                  <p className="muted">None</p>
                ) : (
                  <table className="grid">
                    <thead>
                      <tr>
                        <th>Task output</th>
                        <RunHeads runs={runs} />
                      </tr>
                    </thead>
                    <tbody>
                      {outputs.map(({ task, output }) => {
                        const values = runs.map((r) => numberAt(r, task, output));
                        const differs = distinct(values.map(String));
                        return (
                          <tr
                            key={`${task}.${output}`}
                            className={differs ? 'differs' : ''}
                            data-testid={`output-row-${task}.${output}`}
                          >
                            <th className="mono">
                              {task}.{output}
                            </th>
                            {values.map((v, i) => (
                              <td key={i}>{v === undefined ? '' : formatNumber(v)}</td>
                            ))}
                          </tr>
                        );
                      })}
                    </tbody>
                  </table>
                )}
              </section>
            </>
          );
        }}
      </Loading>
    </div>
  );
}

import { post } from '../api';
import { Loading } from '../components';
import { formatTime } from '../format';
import { href } from '../router';
import type { Run } from '../types';
import { useLoad } from '../use-load';

const LIMIT = 1000;

/**
 * A run's child runs: the runs of its experiment whose `mlflow.parentRunId` tag names it (MLflow's
 * nested runs), newest first, each linking to its page. Left out when the run has none.
 */
export function ChildRuns({ run }: { run: Run }) {
  const { run_id: runId, experiment_id: experimentId } = run.info;
  const filter = `tags.mlflow.parentRunId = '${runId}'`;
  const children = useLoad(`${experimentId}/${runId}`, () =>
    post<{ runs?: Run[]; next_page_token?: string }>('runs/search', {
      experiment_ids: [experimentId],
      filter,
      run_view_type: 'ACTIVE_ONLY',
      max_results: LIMIT,
      order_by: ['attributes.start_time DESC'],
    }),
  );
  const runs = children.data?.runs ?? [];
  if (!children.loading && !children.error && runs.length === 0) return null;
  const tableLink = `${href('experiments', experimentId)}?filter=${encodeURIComponent(filter)}`;
  return (
    <section className="card" data-testid="child-runs">
      <h2>
        Child runs{' '}
        <span className="count">
          {runs.length}
          {children.data?.next_page_token ? '+' : ''}
        </span>
      </h2>
      <Loading loading={children.loading} error={children.error}>
        {() => (
          <>
            <table className="kv">
              <thead>
                <tr>
                  <th>Run</th>
                  <th>Status</th>
                  <th>Start time</th>
                </tr>
              </thead>
              <tbody>
                {runs.map((child) => (
                  <tr key={child.info.run_id}>
                    <td>
                      <a href={href('experiments', experimentId, 'runs', child.info.run_id)}>
                        {child.info.run_name ?? child.info.run_id}
                      </a>
                    </td>
                    <td>
                      <span className={`status status-${child.info.status.toLowerCase()}`}>
                        {child.info.status}
                      </span>
                    </td>
                    <td>{formatTime(child.info.start_time)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <p className="muted">
              {children.data?.next_page_token ? `The first ${LIMIT} are listed. ` : ''}
              <a href={tableLink}>Open in the runs table</a>
            </p>
          </>
        )}
      </Loading>
    </section>
  );
}

import { get } from '../api';
import { Loading } from '../components';
import { href } from '../router';
import type { Experiment } from '../types';
import { useLoad } from '../use-load';
import { RunsTable } from './runs-table';

/** One experiment: its name and the table of its runs. */
export function ExperimentPage({ experimentId }: { experimentId: string }) {
  const experiment = useLoad(experimentId, () =>
    get<{ experiment: Experiment }>('experiments/get', { experiment_id: experimentId }),
  );
  return (
    <div className="page">
      <div className="crumbs">
        <a href={href('experiments')}>Experiments</a> /
      </div>
      <Loading loading={experiment.loading} error={experiment.error}>
        {() => {
          const x = experiment.data!.experiment;
          return (
            <>
              <h1>
                {x.name} {x.lifecycle_stage === 'deleted' && <span className="badge">deleted</span>}
              </h1>
              <p className="muted">
                Experiment ID {x.experiment_id} · artifacts at{' '}
                <span className="mono">{x.artifact_location}</span>
              </p>
            </>
          );
        }}
      </Loading>
      <RunsTable experimentId={experimentId} />
    </div>
  );
}

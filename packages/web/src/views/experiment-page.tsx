import { get } from '../api';
import { Loading } from '../components';
import { href } from '../router';
import type { Experiment } from '../types';
import { useLoad } from '../use-load';
import { LoggedModelList } from './logged-model-list';
import { ExperimentTabs } from './logged-model-tabs';
import type { ExperimentTab } from './logged-model-tabs';
import { RunsTable } from './runs-table';

/** One experiment: its name, and the table of its runs or (`tab` models) its logged models. */
export function ExperimentPage({
  experimentId,
  tab = 'runs',
}: {
  experimentId: string;
  tab?: ExperimentTab;
}) {
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
      <ExperimentTabs experimentId={experimentId} tab={tab} />
      {tab === 'models' ? (
        <LoggedModelList experimentId={experimentId} />
      ) : (
        <RunsTable experimentId={experimentId} />
      )}
    </div>
  );
}

import type { ReactNode } from 'react';
import { href, useRoute } from './router';
import { ComparePage } from './views/compare-page';
import { ExperimentPage } from './views/experiment-page';
import { ExperimentsList } from './views/experiments-list';
import { LoggedModelPage } from './views/logged-model-page';
import { ModelPage } from './views/model-page';
import { ModelVersionPage } from './views/model-version-page';
import { ModelsList } from './views/models-list';
import { PipelineCompare } from './views/pipeline-compare';
import { PipelineList } from './views/pipeline-list';
import { PipelinePage } from './views/pipeline-page';
import { PipelineRunPage } from './views/pipeline-run-page';
import { RunPage } from './views/run-page';

/** Picks the view for the hash route; the routes are the ones MLflow's clients print links to. */
function view(segments: string[]): ReactNode {
  const [first, a, b, c] = segments;
  if (first === undefined || (first === 'experiments' && a === undefined)) return <ExperimentsList />;
  if (first === 'experiments' && a !== undefined && b === undefined)
    return <ExperimentPage experimentId={a} />;
  if (first === 'experiments' && b === 'runs' && c !== undefined) return <RunPage runId={c} />;
  // MLflow 3's logged models: the experiment's Models tab, and one model (`…/models/<id>[/<tab>]`).
  if (first === 'experiments' && a !== undefined && b === 'models' && c === undefined)
    return <ExperimentPage experimentId={a} tab="models" />;
  if (first === 'experiments' && a !== undefined && b === 'models' && c !== undefined)
    return <LoggedModelPage experimentId={a} modelId={c} />;
  if (first === 'runs' && a !== undefined) return <RunPage runId={a} />;
  if (first === 'compare' || first === 'compare-runs') return <ComparePage />;
  if (first === 'models' && a === undefined) return <ModelsList />;
  if (first === 'models' && a !== undefined && b === undefined) return <ModelPage name={a} />;
  if (first === 'models' && a !== undefined && b === 'versions' && c !== undefined)
    return <ModelVersionPage name={a} version={c} />;
  // Pipelines: the list (`?tab=runs` for runs), one pipeline, one run, runs compared.
  if (first === 'pipelines' && a === undefined) return <PipelineList />;
  if (first === 'pipelines' && a !== undefined && b === undefined) return <PipelinePage pipelineId={a} />;
  if (first === 'pipeline-runs' && a === 'compare' && b === undefined) return <PipelineCompare />;
  if (first === 'pipeline-runs' && a !== undefined && b === undefined) return <PipelineRunPage runId={a} />;
  return (
    <div className="page">
      <h1>Not found</h1>
      <p>
        Nothing lives at <code>{window.location.hash}</code>. <a href={href('experiments')}>Experiments</a>
      </p>
    </div>
  );
}

export function App() {
  const { segments } = useRoute();
  const section =
    segments[0] === 'models'
      ? 'models'
      : segments[0] === 'pipelines' || segments[0] === 'pipeline-runs'
        ? 'pipelines'
        : 'experiments';
  return (
    <>
      <header className="top">
        <a className="brand" href="#/">
          Ferry
        </a>
        <nav>
          <a className={section === 'experiments' ? 'active' : ''} href={href('experiments')}>
            Experiments
          </a>
          <a className={section === 'models' ? 'active' : ''} href={href('models')}>
            Models
          </a>
          <a className={section === 'pipelines' ? 'active' : ''} href={href('pipelines')}>
            Pipelines
          </a>
        </nav>
      </header>
      <main>{view(segments)}</main>
    </>
  );
}

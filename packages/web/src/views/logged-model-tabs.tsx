import { href } from '../router';
import './logged-model-tabs.css';

export type ExperimentTab = 'runs' | 'models';

/** The experiment page's tabs, at MLflow's routes: `#/experiments/<id>` (runs) and `…/models`. */
export function ExperimentTabs({ experimentId, tab }: { experimentId: string; tab: ExperimentTab }) {
  const tabs: [ExperimentTab, string, string][] = [
    ['runs', 'Runs', href('experiments', experimentId)],
    ['models', 'Models', href('experiments', experimentId, 'models')],
  ];
  return (
    <nav className="tabs" aria-label="Experiment views">
      {tabs.map(([id, label, link]) => (
        <a key={id} href={link} aria-current={tab === id ? 'page' : undefined}>
          {label}
        </a>
      ))}
    </nav>
  );
}

import type { Run } from '../types';
import { discoverKeys } from './runs-columns';

const GROUPS = [
  { kind: 'param', title: 'Params' },
  { kind: 'metric', title: 'Metrics' },
  { kind: 'tag', title: 'Tags' },
] as const;

/** A drop-down of the param, metric and tag keys found in the loaded runs; checked ones become columns. */
export function ColumnChooser({
  runs,
  chosen,
  onChange,
}: {
  runs: Run[];
  chosen: string[];
  onChange: (ids: string[]) => void;
}) {
  const keys = discoverKeys(runs);
  const toggle = (id: string) =>
    onChange(chosen.includes(id) ? chosen.filter((c) => c !== id) : [...chosen, id]);
  return (
    <details className="chooser">
      <summary>Columns{chosen.length ? ` (+${chosen.length})` : ''}</summary>
      <div className="chooser-panel" data-testid="column-chooser">
        {GROUPS.map(({ kind, title }) => {
          // Keep chosen keys listed even when no loaded run has them any more.
          const names = new Set(keys[kind]);
          for (const id of chosen) if (id.startsWith(`${kind}:`)) names.add(id.slice(kind.length + 1));
          return (
            <fieldset key={kind}>
              <legend>{title}</legend>
              {names.size === 0 && <span className="muted">none in the loaded runs</span>}
              {[...names].map((name) => {
                const id = `${kind}:${name}`;
                return (
                  <label key={id}>
                    <input type="checkbox" checked={chosen.includes(id)} onChange={() => toggle(id)} />
                    {name}
                  </label>
                );
              })}
            </fieldset>
          );
        })}
      </div>
    </details>
  );
}

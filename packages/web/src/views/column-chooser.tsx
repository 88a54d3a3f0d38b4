import { useState } from 'react';
import type { RunKeys } from './runs-columns';

const GROUPS = [
  { kind: 'param', title: 'Params' },
  { kind: 'metric', title: 'Metrics' },
  { kind: 'tag', title: 'Tags' },
] as const;

/**
 * A drop-down of the param, metric and tag keys found in the loaded runs; checked ones become columns.
 * A search box narrows the lists (experiments can log hundreds of metrics), and "Select all matching"
 * adds every key the search shows at once.
 */
export function ColumnChooser({
  keys,
  chosen,
  onChange,
}: {
  keys: RunKeys;
  chosen: string[];
  onChange: (ids: string[]) => void;
}) {
  const [search, setSearch] = useState('');
  const needle = search.trim().toLowerCase();
  const chosenSet = new Set(chosen);
  const toggle = (id: string) =>
    onChange(chosenSet.has(id) ? chosen.filter((c) => c !== id) : [...chosen, id]);
  const lists = GROUPS.map(({ kind, title }) => {
    // Keep chosen keys listed even when no loaded run has them any more.
    const names = new Set(keys[kind]);
    for (const id of chosen) if (id.startsWith(`${kind}:`)) names.add(id.slice(kind.length + 1));
    const ids = [...names].filter((n) => n.toLowerCase().includes(needle)).map((n) => `${kind}:${n}`);
    return { kind, title, ids };
  });
  const matching = lists.flatMap((l) => l.ids);
  const unchosen = matching.filter((id) => !chosenSet.has(id));
  return (
    <details className="chooser">
      <summary>Columns{chosen.length ? ` (+${chosen.length})` : ''}</summary>
      <div className="chooser-panel" data-testid="column-chooser">
        <div className="chooser-search">
          <input
            type="search"
            aria-label="Search columns"
            placeholder="Search keys"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
          />
          <button
            type="button"
            disabled={!unchosen.length}
            onClick={() => onChange([...chosen, ...unchosen])}
          >
            Select all matching ({unchosen.length})
          </button>
          <button
            type="button"
            disabled={unchosen.length === matching.length}
            onClick={() => {
              const drop = new Set(matching);
              onChange(chosen.filter((id) => !drop.has(id)));
            }}
          >
            Clear matching
          </button>
        </div>
        <div className="chooser-lists">
          {lists.map(({ kind, title, ids }) => (
            <fieldset key={kind}>
              <legend>{title}</legend>
              {ids.length === 0 && (
                <span className="muted">{needle ? 'no match' : 'none in the loaded runs'}</span>
              )}
              {ids.map((id) => (
                <label key={id}>
                  <input type="checkbox" checked={chosenSet.has(id)} onChange={() => toggle(id)} />
                  {id.slice(kind.length + 1)}
                </label>
              ))}
            </fieldset>
          ))}
        </div>
      </div>
    </details>
  );
}

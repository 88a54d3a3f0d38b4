import { useEffect, useState } from 'react';
import { ErrorBox } from '../components';
import { formatTime } from '../format';
import { href, setQuery, useRoute } from '../router';
import { registrationsOf, searchLoggedModels, statusLabel } from './logged-model-api';
import type { LoggedModel } from './logged-model-api';

/** Loaded pages of a search, grown by "Load more"; a new search starts over. */
function useModelPages(experimentId: string, filter: string) {
  const [state, setState] = useState<{
    key: string;
    models: LoggedModel[];
    next?: string;
    loading: boolean;
    error?: Error;
  }>({ key: '', models: [], loading: true });
  const key = JSON.stringify([experimentId, filter]);
  const load = (pageToken: string | undefined, keep: LoggedModel[]) => {
    setState({ key, models: keep, loading: true });
    searchLoggedModels(experimentId, filter, pageToken).then(
      (page) =>
        setState((s) =>
          s.key === key
            ? { key, models: [...keep, ...page.models], next: page.nextPageToken, loading: false }
            : s,
        ),
      (error: unknown) =>
        setState((s) =>
          s.key === key
            ? {
                key,
                models: keep,
                loading: false,
                error: error instanceof Error ? error : new Error(String(error)),
              }
            : s,
        ),
    );
  };
  useEffect(() => {
    load(undefined, []);
    // `load` is a fresh closure on every render; `key` states what it depends on.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  const current = state.key === key ? state : { key, models: [], loading: true };
  return { ...current, more: () => current.next && load(current.next, current.models) };
}

/**
 * The experiment's logged models (MLflow 3's Models tab): name, id, status, creation time, source run
 * and the registry versions made from each, filtered with the logged-model filter grammar
 * (`metrics.accuracy > 0.9`, `params.lr = '0.01'`, `name LIKE 'clf%'`...), kept in `?filter=`.
 */
export function LoggedModelList({ experimentId }: { experimentId: string }) {
  const { query } = useRoute();
  const filter = query.get('filter') ?? '';
  const [draft, setDraft] = useState(filter);
  useEffect(() => setDraft(filter), [filter]);
  const pages = useModelPages(experimentId, filter);
  return (
    <section data-testid="logged-models">
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery({ filter: draft.trim() });
        }}
      >
        <input
          type="search"
          className="filter"
          aria-label="Filter models"
          placeholder="metrics.accuracy > 0.9 AND params.lr = '0.01'"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
        />
        <button type="submit">Search</button>
        <span className="push-right muted" data-testid="model-count">
          {pages.models.length}
          {pages.next ? '+' : ''} {pages.models.length === 1 && !pages.next ? 'model' : 'models'}
        </span>
      </form>
      <ErrorBox error={pages.error} />
      <table className="grid">
        <thead>
          <tr>
            <th>Name</th>
            <th>Model ID</th>
            <th>Status</th>
            <th>Created</th>
            <th>Source run</th>
            <th>Registered versions</th>
          </tr>
        </thead>
        <tbody>
          {!pages.loading && !pages.error && pages.models.length === 0 && (
            <tr>
              <td colSpan={6} className="muted">
                No logged models{filter ? ' match the filter' : ''}
              </td>
            </tr>
          )}
          {pages.models.map((m) => (
            <tr key={m.info.model_id}>
              <td>
                <a href={href('experiments', experimentId, 'models', m.info.model_id)}>{m.info.name}</a>
              </td>
              <td className="mono">{m.info.model_id}</td>
              <td>{statusLabel(m.info.status)}</td>
              <td>{formatTime(m.info.creation_timestamp_ms)}</td>
              <td>
                {m.info.source_run_id && (
                  <a className="mono" href={href('experiments', experimentId, 'runs', m.info.source_run_id)}>
                    {m.info.source_run_id}
                  </a>
                )}
              </td>
              <td>
                {registrationsOf(m).map((r) => (
                  <a
                    className="badge"
                    key={`${r.name}/${r.version}`}
                    href={href('models', r.name, 'versions', r.version)}
                  >
                    {r.name} v{r.version}
                  </a>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {pages.loading && <p className="muted">Loading…</p>}
      {!pages.loading && pages.next && (
        <p>
          <button type="button" onClick={() => pages.more()}>
            Load more
          </button>
        </p>
      )}
    </section>
  );
}

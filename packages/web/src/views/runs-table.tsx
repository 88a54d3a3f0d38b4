import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState } from 'react';
import { post } from '../api';
import { ErrorBox } from '../components';
import { href, setQuery, useRoute } from '../router';
import { ColumnChooser } from './column-chooser';
import { compareHref } from './compare-url';
import { ATTRIBUTE_COLUMNS, columnFor } from './runs-columns';
import type { Column } from './runs-columns';
import { useLiveRuns } from './use-live-runs';
import { useRunPages } from './use-run-pages';

const ROW_HEIGHT = 32;
const CHECKBOX_WIDTH = 36;
const VIEW_TYPES: Record<string, string> = { active: 'ACTIVE_ONLY', deleted: 'DELETED_ONLY' };

/**
 * The runs of an experiment: a virtualised table that fetches further pages as it scrolls. Filter,
 * sort, chosen columns and view type live in the URL (`?filter=&sort=&dir=&col=&view=`).
 */
export function RunsTable({ experimentId }: { experimentId: string }) {
  const { query } = useRoute();
  const filter = query.get('filter') ?? '';
  const sortId = query.get('sort') ?? 'attr:start_time';
  const direction = query.get('dir') === 'asc' ? 'ASC' : 'DESC';
  const view = query.get('view') === 'deleted' ? 'deleted' : 'active';
  const chosen = query.getAll('col');
  const columns = useMemo(
    () => [...ATTRIBUTE_COLUMNS, ...chosen.map(columnFor).filter((c): c is Column => c !== undefined)],
    // `chosen` is a fresh array every render; its joined text is what matters.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [chosen.join('\n')],
  );
  const sortColumn = columnFor(sortId);
  const orderBy = sortColumn?.orderKey ? [`${sortColumn.orderKey} ${direction}`] : [];
  const pages = useRunPages({ experimentId, filter, orderBy, viewType: VIEW_TYPES[view]! });
  // RUNNING runs among the loaded ones are refreshed in place every few seconds.
  const liveRuns = useLiveRuns(experimentId, pages.runs);

  const [draft, setDraft] = useState(filter);
  useEffect(() => setDraft(filter), [filter]);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [actionError, setActionError] = useState<Error | undefined>();
  useEffect(() => setSelected(new Set()), [experimentId, view]);

  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: pages.runs.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.length ? items[items.length - 1]!.index : -1;
  const { hasMore, loading, loadMore } = pages;
  useEffect(() => {
    if (hasMore && !loading && lastIndex >= pages.runs.length - 40) loadMore();
  }, [lastIndex, hasMore, loading, loadMore, pages.runs.length]);

  const template = `${CHECKBOX_WIDTH}px ${columns.map((c) => `${c.width}px`).join(' ')}`;
  const width = CHECKBOX_WIDTH + columns.reduce((sum, c) => sum + c.width, 0);
  const allSelected = pages.runs.length > 0 && pages.runs.every((r) => selected.has(r.info.run_id));

  const sortBy = (column: Column) => {
    if (!column.orderKey) return;
    const dir = column.id === sortId && direction === 'DESC' ? 'asc' : 'desc';
    setQuery({ sort: column.id, dir });
  };
  const toggle = (runId: string) => {
    const next = new Set(selected);
    if (next.has(runId)) next.delete(runId);
    else next.add(runId);
    setSelected(next);
  };
  const changeSelected = async (endpoint: 'runs/delete' | 'runs/restore') => {
    setActionError(undefined);
    try {
      for (const runId of selected) await post(endpoint, { run_id: runId });
      setSelected(new Set());
      pages.reload();
    } catch (error) {
      setActionError(error as Error);
    }
  };

  return (
    <section className="runs">
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery({ filter: draft.trim() });
        }}
      >
        <input
          className="filter"
          aria-label="Filter runs"
          placeholder={`metrics.rmse < 1 and params.model = "tree"`}
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
        />
        <button type="submit">Search</button>
        <select aria-label="Run view" value={view} onChange={(e) => setQuery({ view: e.target.value })}>
          <option value="active">Active runs</option>
          <option value="deleted">Deleted runs</option>
        </select>
        <ColumnChooser runs={pages.runs} chosen={chosen} onChange={(ids) => setQuery({ col: ids })} />
        <span className="push-right muted" data-testid="run-count">
          {pages.runs.length}
          {pages.hasMore ? '+' : ''} runs{selected.size ? ` · ${selected.size} selected` : ''}
        </span>
        <button
          type="button"
          disabled={selected.size < 2}
          title="Compare the selected runs"
          onClick={() => {
            const ids = pages.runs.map((r) => r.info.run_id).filter((id) => selected.has(id));
            window.location.hash = compareHref(ids, [experimentId]);
          }}
        >
          Compare ({selected.size})
        </button>
        {view === 'active' ? (
          <button type="button" disabled={!selected.size} onClick={() => void changeSelected('runs/delete')}>
            Delete selected
          </button>
        ) : (
          <button type="button" disabled={!selected.size} onClick={() => void changeSelected('runs/restore')}>
            Restore selected
          </button>
        )}
      </form>
      <ErrorBox error={pages.error} />
      <ErrorBox error={actionError} />
      <div className="vtable" ref={scroller} role="table" aria-label="Runs" data-testid="runs-table">
        <div className="vrow vhead" role="row" style={{ gridTemplateColumns: template, width }}>
          <span role="columnheader">
            <input
              type="checkbox"
              aria-label="Select all loaded runs"
              checked={allSelected}
              onChange={() =>
                setSelected(allSelected ? new Set() : new Set(pages.runs.map((r) => r.info.run_id)))
              }
            />
          </span>
          {columns.map((c) => (
            <span
              key={c.id}
              role="columnheader"
              className={c.orderKey ? 'sortable' : ''}
              title={c.orderKey ? `Sort by ${c.orderKey}` : undefined}
              onClick={() => sortBy(c)}
            >
              {c.label}
              {c.id === sortId ? (direction === 'ASC' ? ' ▲' : ' ▼') : ''}
            </span>
          ))}
        </div>
        <div style={{ height: virtualizer.getTotalSize(), width, position: 'relative' }}>
          {items.map((item) => {
            const run = liveRuns[item.index]!;
            return (
              <div
                key={run.info.run_id}
                className="vrow"
                role="row"
                data-testid="run-row"
                style={{ gridTemplateColumns: template, width, transform: `translateY(${item.start}px)` }}
              >
                <span role="cell">
                  <input
                    type="checkbox"
                    aria-label={`Select ${run.info.run_name ?? run.info.run_id}`}
                    checked={selected.has(run.info.run_id)}
                    onChange={() => toggle(run.info.run_id)}
                  />
                </span>
                {columns.map((c) => (
                  <span role="cell" key={c.id} title={c.value(run)}>
                    {c.id === 'attr:run_name' ? (
                      <a href={href('experiments', experimentId, 'runs', run.info.run_id)}>{c.value(run)}</a>
                    ) : c.id === 'attr:status' ? (
                      <span className={`status status-${run.info.status.toLowerCase()}`}>{c.value(run)}</span>
                    ) : (
                      c.value(run)
                    )}
                  </span>
                ))}
              </div>
            );
          })}
        </div>
        {!pages.loading && pages.runs.length === 0 && !pages.error && <p className="muted pad">No runs</p>}
        {pages.loading && <p className="muted pad">Loading…</p>}
      </div>
    </section>
  );
}

import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { post } from '../api';
import { ErrorBox } from '../components';
import { href, setQuery, useRoute } from '../router';
import type { Run } from '../types';
import { ColumnChooser } from './column-chooser';
import { compareHref } from './compare-url';
import { FilterBox } from './filter-box';
import { ATTRIBUTE_COLUMNS, columnFor, discoverKeys } from './runs-columns';
import type { Column } from './runs-columns';
import { GroupBySelect } from './runs-group-by';
import { groupId, groupLabel, parseGroupBy, tableRows } from './runs-grouping';
import type { TableRow } from './runs-grouping';
import { useLiveRuns } from './use-live-runs';
import { useRunPages } from './use-run-pages';

const ROW_HEIGHT = 32;
const CHECKBOX_WIDTH = 36;
const VIEW_TYPES: Record<string, string> = { active: 'ACTIVE_ONLY', deleted: 'DELETED_ONLY' };

/**
 * The runs of an experiment: a table virtualised both ways (only the rows and columns in view are in
 * the page) that fetches further pages as it scrolls. Filter, sort, chosen columns, grouping and view
 * type live in the URL (`?filter=&sort=&dir=&col=&group=&view=`).
 */
export function RunsTable({ experimentId }: { experimentId: string }) {
  const { query } = useRoute();
  const filter = query.get('filter') ?? '';
  const sortId = query.get('sort') ?? 'attr:start_time';
  const direction = query.get('dir') === 'asc' ? 'ASC' : 'DESC';
  const view = query.get('view') === 'deleted' ? 'deleted' : 'active';
  const groupParam = query.get('group') ?? '';
  const groupBy = parseGroupBy(groupParam);
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
  // One pass over the loaded runs feeds the column chooser, the group-by selector and filter completion.
  const keys = useMemo(() => discoverKeys(pages.runs), [pages.runs]);

  const [draft, setDraft] = useState(filter);
  useEffect(() => setDraft(filter), [filter]);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [actionError, setActionError] = useState<Error | undefined>();
  useEffect(() => setSelected(new Set()), [experimentId, view]);
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  useEffect(() => setCollapsed(new Set()), [groupParam]);
  // "Load all runs" keeps fetching pages until none is left; a new query starts without it.
  const [loadAll, setLoadAll] = useState(false);
  const queryKey = JSON.stringify([experimentId, filter, orderBy, view]);
  useEffect(() => setLoadAll(false), [queryKey]);

  const rows = useMemo(
    () => tableRows(liveRuns, groupBy, collapsed),
    // `groupBy` is rebuilt every render from `groupParam`.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [liveRuns, groupParam, collapsed],
  );

  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    getItemKey: useCallback((i: number) => rowKey(rows[i]!), [rows]),
    overscan: 12,
  });
  // Columns are virtualised too: with hundreds of metric columns only those in view get cells.
  const columnVirtualizer = useVirtualizer({
    horizontal: true,
    count: columns.length,
    getScrollElement: () => scroller.current,
    estimateSize: (i) => columns[i]!.width,
    getItemKey: useCallback((i: number) => columns[i]!.id, [columns]),
    paddingStart: CHECKBOX_WIDTH,
    overscan: 2,
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.length ? items[items.length - 1]!.index : -1;
  const { hasMore, loading, loadMore } = pages;
  useEffect(() => {
    if (hasMore && !loading && (loadAll || lastIndex >= rows.length - 40)) loadMore();
  }, [lastIndex, hasMore, loading, loadMore, rows.length, loadAll]);

  const visibleColumns = columnVirtualizer.getVirtualItems();
  const cells = visibleColumns.map((v) => columns[v.index]!);
  // A spacer stands for the columns scrolled off to the left.
  const before = visibleColumns.length ? visibleColumns[0]!.start - CHECKBOX_WIDTH : 0;
  const template = `${CHECKBOX_WIDTH}px ${before}px ${cells.map((c) => `${c.width}px`).join(' ')}`;
  const width = columnVirtualizer.getTotalSize();
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
  const toggleGroup = (id: string) => {
    const next = new Set(collapsed);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setCollapsed(next);
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

  const runCells = (run: Run) =>
    cells.map((c) => (
      <span role="cell" key={c.id} title={c.value(run)}>
        {c.id === 'attr:run_name' ? (
          <a href={href('experiments', experimentId, 'runs', run.info.run_id)}>{c.value(run)}</a>
        ) : c.id === 'attr:status' ? (
          <span className={`status status-${run.info.status.toLowerCase()}`}>{c.value(run)}</span>
        ) : (
          c.value(run)
        )}
      </span>
    ));

  return (
    <section className="runs">
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery({ filter: draft.trim() });
        }}
      >
        <FilterBox value={draft} onChange={setDraft} keys={keys} />
        <button type="submit">Search</button>
        <select aria-label="Run view" value={view} onChange={(e) => setQuery({ view: e.target.value })}>
          <option value="active">Active runs</option>
          <option value="deleted">Deleted runs</option>
        </select>
        <ColumnChooser keys={keys} chosen={chosen} onChange={(ids) => setQuery({ col: ids })} />
        <GroupBySelect keys={keys} value={groupParam} onChange={(group) => setQuery({ group })} />
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
      {groupBy && (
        <p className="group-note muted" data-testid="group-note">
          {pages.hasMore ? (
            <>
              Groups cover the {pages.runs.length} runs loaded so far; more runs remain on the server, so
              counts may grow.{' '}
              {loadAll ? (
                'Loading all runs…'
              ) : (
                <button type="button" className="link" onClick={() => setLoadAll(true)}>
                  Load all runs
                </button>
              )}
            </>
          ) : (
            `Grouped by ${groupBy.kind === 'param' ? 'params' : 'tags'}.${groupBy.key}: all ${pages.runs.length} runs loaded.`
          )}
        </p>
      )}
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
          <span aria-hidden="true" />
          {cells.map((c) => (
            <span
              key={c.id}
              role="columnheader"
              className={c.orderKey ? 'sortable' : ''}
              title={c.orderKey ? `Sort by ${c.orderKey}` : undefined}
              aria-sort={c.id === sortId ? (direction === 'ASC' ? 'ascending' : 'descending') : undefined}
              onClick={() => sortBy(c)}
            >
              {c.label}
              {c.id === sortId ? (direction === 'ASC' ? ' ▲' : ' ▼') : ''}
            </span>
          ))}
        </div>
        <div style={{ height: virtualizer.getTotalSize(), width, position: 'relative' }}>
          {items.map((item) => {
            const row = rows[item.index]!;
            const transform = `translateY(${item.start}px)`;
            if (row.kind === 'group') {
              const id = groupId(row.value);
              return (
                <div
                  key={item.key}
                  className="vrow vgroup"
                  role="row"
                  data-testid="group-header"
                  style={{ width, transform }}
                >
                  <span role="cell" className="vgroup-cell">
                    <button
                      type="button"
                      className="link"
                      aria-expanded={!row.collapsed}
                      onClick={() => toggleGroup(id)}
                    >
                      {row.collapsed ? '▶' : '▼'} {groupBy!.key} = {groupLabel(row.value)}
                    </button>{' '}
                    <span className="muted">
                      {row.count} {row.count === 1 ? 'run' : 'runs'}
                      {pages.hasMore ? ' loaded' : ''}
                    </span>
                  </span>
                </div>
              );
            }
            const { run } = row;
            return (
              <div
                key={item.key}
                className="vrow"
                role="row"
                data-testid="run-row"
                style={{ gridTemplateColumns: template, width, transform }}
              >
                <span role="cell">
                  <input
                    type="checkbox"
                    aria-label={`Select ${run.info.run_name ?? run.info.run_id}`}
                    checked={selected.has(run.info.run_id)}
                    onChange={() => toggle(run.info.run_id)}
                  />
                </span>
                <span aria-hidden="true" />
                {runCells(run)}
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

/** A stable key per row, so React and the virtualizer keep rows apart across regrouping. */
function rowKey(row: TableRow): string {
  return row.kind === 'group' ? `group${groupId(row.value)}` : row.run.info.run_id;
}

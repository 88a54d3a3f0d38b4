import { useCallback, useEffect, useRef, useState } from 'react';
import { post } from '../api';
import type { Run } from '../types';

export interface RunQuery {
  experimentId: string;
  filter: string;
  orderBy: string[];
  viewType: string;
}

export interface RunPages {
  runs: Run[];
  /** True while more pages exist on the server. */
  hasMore: boolean;
  loading: boolean;
  error: Error | undefined;
  /** Fetches the next page unless one is already on its way or none is left. */
  loadMore: () => void;
  /** Starts again from the first page (after deleting or restoring runs). */
  reload: () => void;
}

const PAGE_SIZE = 250;

/**
 * The runs of one runs/search query, fetched page by page (page tokens) as the table scrolls; a change
 * of query starts over and drops the answers still on their way for the old one.
 */
export function useRunPages(query: RunQuery): RunPages {
  const key = JSON.stringify(query);
  const [state, setState] = useState<{
    runs: Run[];
    token: string | undefined;
    done: boolean;
    loading: boolean;
    error?: Error;
  }>({ runs: [], token: undefined, done: false, loading: true });
  const [generation, setGeneration] = useState(0);
  // Each (query, generation) is a session with an id of its own, so answers to an earlier session are
  // dropped even when the same query comes back before they arrive.
  const session = useRef<{ query: RunQuery; busy: boolean }>({ query, busy: false });

  const fetchPage = useCallback((token: string | undefined) => {
    const current = session.current;
    if (current.busy) return;
    current.busy = true;
    setState((s) => ({ ...s, loading: true }));
    const q = current.query;
    const settle = (apply: () => void) => {
      if (session.current !== current) return;
      current.busy = false;
      apply();
    };
    post<{ runs?: Run[]; next_page_token?: string }>('runs/search', {
      experiment_ids: [q.experimentId],
      max_results: PAGE_SIZE,
      run_view_type: q.viewType,
      ...(q.filter ? { filter: q.filter } : {}),
      ...(q.orderBy.length ? { order_by: q.orderBy } : {}),
      ...(token ? { page_token: token } : {}),
    }).then(
      (page) =>
        settle(() =>
          setState((s) => ({
            runs: [...s.runs, ...(page.runs ?? [])],
            token: page.next_page_token,
            done: !page.next_page_token,
            loading: false,
          })),
        ),
      (error: unknown) =>
        settle(() => setState((s) => ({ ...s, done: true, loading: false, error: error as Error }))),
    );
  }, []);

  useEffect(() => {
    session.current = { query: JSON.parse(key) as RunQuery, busy: false };
    setState({ runs: [], token: undefined, done: false, loading: true });
    fetchPage(undefined);
  }, [key, generation, fetchPage]);

  const loadMore = useCallback(() => {
    if (state.done || !state.token) return;
    fetchPage(state.token);
  }, [state.done, state.token, fetchPage]);

  return {
    runs: state.runs,
    hasMore: !state.done,
    loading: state.loading,
    error: state.error,
    loadMore,
    reload: useCallback(() => setGeneration((g) => g + 1), []),
  };
}

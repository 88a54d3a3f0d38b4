import { useCallback, useEffect, useState } from 'react';

export interface Loaded<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  /** Loads again (after a change made through the API). */
  reload: () => void;
}

/**
 * Runs `load` when `key` changes and keeps its latest result; answers of superseded loads are dropped.
 * `key` is a string naming everything `load` depends on.
 */
export function useLoad<T>(key: string, load: () => Promise<T>): Loaded<T> {
  const [state, setState] = useState<{ key: string; data?: T; error?: Error; loading: boolean }>({
    key,
    loading: true,
  });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let current = true;
    setState((s) => ({ ...s, key, loading: true }));
    load().then(
      (data) => current && setState({ key, data, loading: false }),
      (error: unknown) =>
        current &&
        setState({ key, error: error instanceof Error ? error : new Error(String(error)), loading: false }),
    );
    return () => {
      current = false;
    };
    // `load` is a fresh closure on every render; `key` states what it depends on.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  const fresh = state.key === key;
  return {
    data: fresh ? state.data : undefined,
    error: fresh ? state.error : undefined,
    loading: state.loading || !fresh,
    reload,
  };
}

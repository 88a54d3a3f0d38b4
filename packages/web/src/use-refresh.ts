import { useEffect, useRef, useState } from 'react';
import type { Loaded } from './use-load';

/**
 * Adds a quiet reload to a load: `refresh()` fetches again after a change made through the API and
 * swaps the data in place, with no loading state (the page keeps its scroll position, open panels and
 * form state). When the underlying load answers again (a new key, or a live poll), its data wins.
 */
export function useRefresh<T>(
  loaded: Loaded<T>,
  load: () => Promise<T>,
): { data: T | undefined; refresh: () => Promise<void> } {
  const [fresh, setFresh] = useState<{ base: T; data: T }>();
  const loader = useRef(load);
  const base = useRef(loaded.data);
  useEffect(() => {
    loader.current = load;
    base.current = loaded.data;
  });
  const refresh = async () => {
    const data = await loader.current();
    if (base.current !== undefined) setFresh({ base: base.current, data });
  };
  const data = fresh && loaded.data !== undefined && fresh.base === loaded.data ? fresh.data : loaded.data;
  return { data, refresh };
}

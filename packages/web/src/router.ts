import { useEffect, useState } from 'react';

/** The part of `location.hash` the app routes on: `#/experiments/1?filter=...`. */
export interface Route {
  /** Decoded path segments: `['experiments', '1', 'runs', 'abc']`. */
  segments: string[];
  /** View state (filter, sort, columns) kept in the hash's query. */
  query: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const text = hash.replace(/^#/, '');
  const at = text.indexOf('?');
  const path = at === -1 ? text : text.slice(0, at);
  const query = new URLSearchParams(at === -1 ? '' : text.slice(at + 1));
  const segments = path
    .split('/')
    .filter((s) => s !== '')
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
  return { segments, query };
}

/** A hash link to a route: `href('experiments', id)` is `#/experiments/<id>`. */
export function href(...segments: string[]): string {
  return `#/${segments.map(encodeURIComponent).join('/')}`;
}

/** The current route; re-renders on every hash change. */
export function useRoute(): Route {
  const [hash, setHash] = useState(window.location.hash);
  useEffect(() => {
    const onChange = () => setHash(window.location.hash);
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return parseHash(hash);
}

/**
 * Changes the current route's query (`undefined` or `''` removes a key). `replace` keeps the browser
 * history short for keystroke-level changes.
 */
export function setQuery(changes: Record<string, string | string[] | undefined>, replace = false): void {
  const { segments, query } = parseHash(window.location.hash);
  for (const [key, value] of Object.entries(changes)) {
    query.delete(key);
    if (value === undefined || value === '') continue;
    for (const v of Array.isArray(value) ? value : [value]) query.append(key, v);
  }
  const text = query.toString();
  const next = `${href(...segments)}${text ? `?${text}` : ''}`;
  // The history API changes the URL without an event, so the one dispatched here is handled at once:
  // a checkbox or input bound to the query shows its new value as soon as its own event ends
  // (assigning location.hash would queue the event, and React would show the old value meanwhile).
  if (replace) window.history.replaceState(null, '', next);
  else window.history.pushState(null, '', next);
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}

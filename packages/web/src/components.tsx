import type { ReactNode } from 'react';
import type { KeyValue } from './types';

export function ErrorBox({ error }: { error: Error | undefined }) {
  if (!error) return null;
  return (
    <div className="error" role="alert">
      {error.message}
    </div>
  );
}

/** Shows the loading and error states of a load, or its content. */
export function Loading({
  loading,
  error,
  children,
}: {
  loading: boolean;
  error: Error | undefined;
  children: () => ReactNode;
}) {
  if (error) return <ErrorBox error={error} />;
  if (loading) return <p className="muted">Loading…</p>;
  return <>{children()}</>;
}

/** Labelled values as a two-column table, leaving out the ones that are empty (an overview's facts). */
export function LabelledRows({ rows }: { rows: [string, ReactNode][] }) {
  return (
    <table className="kv">
      <tbody>
        {rows
          .filter(([, v]) => v !== '')
          .map(([label, v]) => (
            <tr key={label}>
              <th>{label}</th>
              <td>{v}</td>
            </tr>
          ))}
      </tbody>
    </table>
  );
}

/** A two-column key/value table with a caption; shows "None" when empty. */
export function KeyValueTable({ title, rows, testId }: { title: string; rows: KeyValue[]; testId?: string }) {
  return (
    <section className="card" data-testid={testId}>
      <h2>
        {title} <span className="count">{rows.length}</span>
      </h2>
      {rows.length === 0 ? (
        <p className="muted">None</p>
      ) : (
        <table className="kv">
          <tbody>
            {rows.map((r) => (
              <tr key={r.key}>
                <th>{r.key}</th>
                <td>{r.value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** Key/value pairs sorted by key, with internal `mlflow.*` tags left out unless asked for. */
export function visibleTags(tags: KeyValue[] | undefined, includeSystem = false): KeyValue[] {
  return [...(tags ?? [])]
    .filter((t) => includeSystem || !t.key.startsWith('mlflow.'))
    .sort((a, b) => a.key.localeCompare(b.key));
}

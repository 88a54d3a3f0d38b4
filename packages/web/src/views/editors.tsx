import { useState } from 'react';
import type { FormEvent, ReactNode } from 'react';
import { ErrorBox } from '../components';
import type { KeyValue } from '../types';
import { Markdown } from './markdown';
import './editors.css';

/** Runs one change at a time through the API, keeping its error to show inline. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const run = async (change: () => Promise<unknown>): Promise<boolean> => {
    setBusy(true);
    setError(undefined);
    try {
      await change();
      return true;
    } catch (e) {
      setError(e instanceof Error ? e : new Error(String(e)));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run, clear: () => setError(undefined) };
}

/** A markdown text shown rendered, edited in a textarea and saved through `onSave`. */
export function MarkdownEditor({
  title,
  value,
  onSave,
  testId,
  footer,
}: {
  title: string;
  value: string;
  onSave: (text: string) => Promise<unknown>;
  testId?: string;
  footer?: ReactNode;
}) {
  const [draft, setDraft] = useState<string>();
  const action = useAction();
  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (draft === undefined) return;
    if (await action.run(() => onSave(draft))) setDraft(undefined);
  };
  return (
    <section className="card" data-testid={testId}>
      <div className="with-actions">
        <h2>{title}</h2>
        {draft === undefined && (
          <button type="button" className="link" onClick={() => setDraft(value)}>
            {value ? 'Edit' : 'Add'} {title.toLowerCase()}
          </button>
        )}
      </div>
      {draft === undefined ? (
        value.trim() ? (
          <Markdown source={value} testId={testId && `${testId}-rendered`} />
        ) : (
          <p className="muted">None</p>
        )
      ) : (
        <form className="markdown-editor" onSubmit={save}>
          <textarea
            aria-label={title}
            value={draft}
            rows={Math.min(20, Math.max(5, draft.split('\n').length + 1))}
            onChange={(e) => setDraft(e.target.value)}
            autoFocus
          />
          {draft.trim() && (
            <div className="markdown-preview">
              <span className="muted">Preview</span>
              <Markdown source={draft} />
            </div>
          )}
          <div className="buttons">
            <button type="submit" disabled={action.busy}>
              Save
            </button>
            <button
              type="button"
              onClick={() => {
                setDraft(undefined);
                action.clear();
              }}
            >
              Cancel
            </button>
            <span className="muted">Markdown supported</span>
          </div>
        </form>
      )}
      <ErrorBox error={action.error} />
      {footer}
    </section>
  );
}

function TagRow({
  tag,
  onSet,
  onDelete,
  busy,
}: {
  tag: KeyValue;
  onSet: (key: string, value: string) => Promise<boolean>;
  onDelete: (key: string) => Promise<boolean>;
  busy: boolean;
}) {
  const [draft, setDraft] = useState<string>();
  return (
    <tr>
      <th>{tag.key}</th>
      {draft === undefined ? (
        <>
          <td className="pre">{tag.value}</td>
          <td className="actions">
            <button type="button" aria-label={`Edit tag ${tag.key}`} onClick={() => setDraft(tag.value)}>
              Edit
            </button>
            <button
              type="button"
              aria-label={`Delete tag ${tag.key}`}
              disabled={busy}
              onClick={() => void onDelete(tag.key)}
            >
              Delete
            </button>
          </td>
        </>
      ) : (
        <td colSpan={2}>
          <form
            className="inline"
            onSubmit={async (e) => {
              e.preventDefault();
              if (await onSet(tag.key, draft)) setDraft(undefined);
            }}
          >
            <input
              aria-label={`Value of ${tag.key}`}
              value={draft}
              onChange={(e) => setDraft(e.target.value)}
              autoFocus
            />
            <button type="submit" disabled={busy}>
              Save
            </button>
            <button type="button" onClick={() => setDraft(undefined)}>
              Cancel
            </button>
          </form>
        </td>
      )}
    </tr>
  );
}

/**
 * A tags table whose tags can be added, changed and deleted; tags `readOnly` picks (MLflow's `mlflow.*`
 * system tags) are listed apart and cannot be changed here.
 */
export function TagEditor({
  tags,
  onSet,
  onDelete,
  readOnly = () => false,
  testId,
}: {
  tags: KeyValue[];
  onSet: (key: string, value: string) => Promise<unknown>;
  onDelete: (key: string) => Promise<unknown>;
  readOnly?: (key: string) => boolean;
  testId?: string;
}) {
  const sorted = [...tags].sort((a, b) => a.key.localeCompare(b.key));
  const editable = sorted.filter((t) => !readOnly(t.key));
  const system = sorted.filter((t) => readOnly(t.key));
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const action = useAction();
  const add = async (e: FormEvent) => {
    e.preventDefault();
    const k = key.trim();
    if (!k) return;
    if (readOnly(k)) {
      action.clear();
      await action.run(() => Promise.reject(new Error(`'${k}' is a system tag and cannot be set here.`)));
      return;
    }
    if (await action.run(() => onSet(k, value))) {
      setKey('');
      setValue('');
    }
  };
  return (
    <section className="card" data-testid={testId}>
      <h2>
        Tags <span className="count">{editable.length}</span>
      </h2>
      {editable.length === 0 ? (
        <p className="muted">None</p>
      ) : (
        <table className="kv tags">
          <tbody>
            {editable.map((t) => (
              <TagRow
                key={t.key}
                tag={t}
                busy={action.busy}
                onSet={(k, v) => action.run(() => onSet(k, v))}
                onDelete={(k) => action.run(() => onDelete(k))}
              />
            ))}
          </tbody>
        </table>
      )}
      <form className="inline add-tag" onSubmit={add}>
        <input
          aria-label="New tag key"
          placeholder="Key"
          value={key}
          onChange={(e) => setKey(e.target.value)}
        />
        <input
          aria-label="New tag value"
          placeholder="Value"
          value={value}
          onChange={(e) => setValue(e.target.value)}
        />
        <button type="submit" disabled={action.busy || key.trim() === ''}>
          Add tag
        </button>
      </form>
      <ErrorBox error={action.error} />
      {system.length > 0 && (
        <details className="system-tags">
          <summary className="muted">System tags ({system.length}, read-only)</summary>
          <table className="kv">
            <tbody>
              {system.map((t) => (
                <tr key={t.key}>
                  <th className="mono">{t.key}</th>
                  <td className="pre">{t.value}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
    </section>
  );
}

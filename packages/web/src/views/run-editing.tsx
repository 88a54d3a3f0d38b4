import { useState } from 'react';
import { post } from '../api';
import { ErrorBox } from '../components';
import { tagValue } from '../format';
import type { Run } from '../types';
import { MarkdownEditor, TagEditor, useAction } from './editors';

/** The tag MLflow keeps a run's description in (markdown). */
export const NOTE_TAG = 'mlflow.note.content';

/** The run's name as the page title, renamed in place (`runs/update` with `run_name`). */
export function RunTitle({ run, onChanged }: { run: Run; onChanged: () => Promise<unknown> }) {
  const [draft, setDraft] = useState<string>();
  const action = useAction();
  const name = run.info.run_name ?? '';
  if (draft === undefined) {
    return (
      <div className="with-actions">
        <h1>{name || run.info.run_id}</h1>
        <button type="button" className="link" onClick={() => setDraft(name)}>
          Rename
        </button>
      </div>
    );
  }
  return (
    <>
      <form
        className="inline title-form"
        onSubmit={async (e) => {
          e.preventDefault();
          const next = draft.trim();
          if (!next) return;
          const ok = await action.run(async () => {
            await post('runs/update', { run_id: run.info.run_id, run_name: next });
            await onChanged();
          });
          if (ok) setDraft(undefined);
        }}
      >
        <input aria-label="Run name" value={draft} onChange={(e) => setDraft(e.target.value)} autoFocus />
        <button type="submit" disabled={action.busy || !draft.trim()}>
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
      </form>
      <ErrorBox error={action.error} />
    </>
  );
}

/** The run's description: the `mlflow.note.content` tag, rendered as markdown and edited in place. */
export function RunDescription({ run, onChanged }: { run: Run; onChanged: () => Promise<unknown> }) {
  return (
    <MarkdownEditor
      title="Description"
      testId="description"
      value={tagValue(run.data.tags, NOTE_TAG) ?? ''}
      onSave={async (text) => {
        await post('runs/set-tag', { run_id: run.info.run_id, key: NOTE_TAG, value: text });
        await onChanged();
      }}
    />
  );
}

/** The run's tags: user tags are added, changed and deleted here; `mlflow.*` system tags are read-only. */
export function RunTags({ run, onChanged }: { run: Run; onChanged: () => Promise<unknown> }) {
  const runId = run.info.run_id;
  return (
    <TagEditor
      testId="tags"
      tags={run.data.tags ?? []}
      readOnly={(key) => key.startsWith('mlflow.')}
      onSet={async (key, value) => {
        await post('runs/set-tag', { run_id: runId, key, value });
        await onChanged();
      }}
      onDelete={async (key) => {
        await post('runs/delete-tag', { run_id: runId, key });
        await onChanged();
      }}
    />
  );
}

import { useState } from 'react';
import type { FormEvent } from 'react';
import { post } from '../api';
import { ErrorBox, Loading } from '../components';
import { formatTime } from '../format';
import { href, setQuery, useRoute } from '../router';
import type { Experiment } from '../types';
import { useLoad } from '../use-load';

const VIEW_TYPES: Record<string, string> = { active: 'ACTIVE_ONLY', deleted: 'DELETED_ONLY', all: 'ALL' };

/** An MLflow string literal: single-quoted unless the text holds a single quote. */
export function quoteLiteral(text: string): string {
  return text.includes("'") ? `"${text}"` : `'${text}'`;
}

async function searchAll(body: Record<string, unknown>): Promise<Experiment[]> {
  const out: Experiment[] = [];
  let pageToken: string | undefined;
  do {
    const page = await post<{ experiments?: Experiment[]; next_page_token?: string }>('experiments/search', {
      ...body,
      max_results: 1000,
      ...(pageToken ? { page_token: pageToken } : {}),
    });
    out.push(...(page.experiments ?? []));
    pageToken = page.next_page_token;
  } while (pageToken);
  return out;
}

/** Every experiment, filtered by name, with create, rename, delete and restore. */
export function ExperimentsList() {
  const { query } = useRoute();
  const search = query.get('q') ?? '';
  const view = VIEW_TYPES[query.get('view') ?? 'active'] ? (query.get('view') ?? 'active') : 'active';
  const [draft, setDraft] = useState(search);
  const [newName, setNewName] = useState('');
  const [renaming, setRenaming] = useState<{ id: string; name: string } | undefined>();
  const [actionError, setActionError] = useState<Error | undefined>();
  const filter = search ? `name LIKE ${quoteLiteral(`%${search}%`)}` : undefined;
  const experiments = useLoad(`${filter}|${view}`, () =>
    searchAll({ view_type: VIEW_TYPES[view], order_by: ['name ASC'], ...(filter ? { filter } : {}) }),
  );

  const act = async (action: () => Promise<unknown>) => {
    setActionError(undefined);
    try {
      await action();
      experiments.reload();
    } catch (error) {
      setActionError(error as Error);
    }
  };
  const create = (e: FormEvent) => {
    e.preventDefault();
    const name = newName.trim();
    if (!name) return;
    void act(async () => {
      await post('experiments/create', { name });
      setNewName('');
    });
  };
  const rename = (e: FormEvent) => {
    e.preventDefault();
    if (!renaming) return;
    const { id, name } = renaming;
    void act(async () => {
      await post('experiments/update', { experiment_id: id, new_name: name.trim() });
      setRenaming(undefined);
    });
  };

  return (
    <div className="page">
      <h1>Experiments</h1>
      <div className="toolbar">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            setQuery({ q: draft.trim() });
          }}
        >
          <input
            type="search"
            placeholder="Search experiments by name"
            aria-label="Search experiments"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
          />
        </form>
        <select aria-label="View" value={view} onChange={(e) => setQuery({ view: e.target.value })}>
          <option value="active">Active</option>
          <option value="deleted">Deleted</option>
          <option value="all">All</option>
        </select>
        <form className="push-right" onSubmit={create}>
          <input
            placeholder="New experiment name"
            aria-label="New experiment name"
            value={newName}
            onChange={(e) => setNewName(e.target.value)}
          />
          <button type="submit">Create</button>
        </form>
      </div>
      <ErrorBox error={actionError} />
      <Loading loading={experiments.loading} error={experiments.error}>
        {() => (
          <table className="grid" data-testid="experiments">
            <thead>
              <tr>
                <th>Name</th>
                <th>ID</th>
                <th>Created</th>
                <th>Last modified</th>
                <th>Artifact location</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {experiments.data!.length === 0 && (
                <tr>
                  <td colSpan={6} className="muted">
                    No experiments
                  </td>
                </tr>
              )}
              {experiments.data!.map((x) => (
                <tr key={x.experiment_id}>
                  <td>
                    {renaming?.id === x.experiment_id ? (
                      <form onSubmit={rename} className="inline">
                        <input
                          aria-label="New name"
                          autoFocus
                          value={renaming.name}
                          onChange={(e) => setRenaming({ id: x.experiment_id, name: e.target.value })}
                        />
                        <button type="submit">Save</button>
                        <button type="button" onClick={() => setRenaming(undefined)}>
                          Cancel
                        </button>
                      </form>
                    ) : (
                      <a href={href('experiments', x.experiment_id)}>{x.name}</a>
                    )}
                  </td>
                  <td>{x.experiment_id}</td>
                  <td>{formatTime(x.creation_time)}</td>
                  <td>{formatTime(x.last_update_time)}</td>
                  <td className="mono">{x.artifact_location}</td>
                  <td className="actions">
                    {x.lifecycle_stage === 'deleted' ? (
                      <button
                        onClick={() =>
                          void act(() => post('experiments/restore', { experiment_id: x.experiment_id }))
                        }
                      >
                        Restore
                      </button>
                    ) : (
                      <>
                        <button onClick={() => setRenaming({ id: x.experiment_id, name: x.name })}>
                          Rename
                        </button>
                        <button
                          onClick={() => {
                            if (window.confirm(`Delete experiment "${x.name}" and its runs?`))
                              void act(() => post('experiments/delete', { experiment_id: x.experiment_id }));
                          }}
                        >
                          Delete
                        </button>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Loading>
    </div>
  );
}

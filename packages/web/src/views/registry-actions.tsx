import { useState } from 'react';
import type { FormEvent } from 'react';
import { ApiError, get, post, send } from '../api';
import { ErrorBox } from '../components';
import { href } from '../router';
import type { ModelVersion, RegisteredModel } from '../types';
import { useLoad } from '../use-load';
import { useAction } from './editors';

/** The names of every registered model, for picking one to register a new version under. */
async function modelNames(): Promise<string[]> {
  const names: string[] = [];
  let pageToken: string | undefined;
  do {
    const page = await get<{ registered_models?: RegisteredModel[]; next_page_token?: string }>(
      'registered-models/search',
      { max_results: 1000, order_by: 'name ASC', page_token: pageToken },
    );
    names.push(...(page.registered_models ?? []).map((m) => m.name));
    pageToken = page.next_page_token;
  } while (pageToken);
  return names;
}

/**
 * Registers the model in a run's artifact folder: under a new registered model (created first) or as
 * the next version of an existing one. The version's source is the run's artifact URI plus the folder.
 */
export function RegisterModelForm({
  runId,
  artifactUri,
  path,
  onClose,
}: {
  runId: string;
  artifactUri: string;
  path: string;
  onClose?: () => void;
}) {
  const names = useLoad('registered-model-names', modelNames);
  const [name, setName] = useState('');
  const [registered, setRegistered] = useState<ModelVersion>();
  const action = useAction();
  const trimmed = name.trim();
  const exists = names.data?.includes(trimmed) ?? false;
  const source = path ? `${artifactUri.replace(/\/+$/, '')}/${path}` : artifactUri;
  const register = async (e: FormEvent) => {
    e.preventDefault();
    if (!trimmed) return;
    await action.run(async () => {
      if (!exists) {
        try {
          await post('registered-models/create', { name: trimmed });
        } catch (error) {
          // Created meanwhile by someone else: register the version under it all the same.
          if (!(error instanceof ApiError && error.code === 'RESOURCE_ALREADY_EXISTS')) throw error;
        }
      }
      const { model_version: mv } = await post<{ model_version: ModelVersion }>('model-versions/create', {
        name: trimmed,
        source,
        run_id: runId,
      });
      setRegistered(mv);
      names.reload();
    });
  };
  return (
    <div className="register" data-testid="register-model">
      <h3>Register model</h3>
      {registered ? (
        <p role="status">
          Registered{' '}
          <a href={href('models', registered.name, 'versions', registered.version)}>
            {registered.name} version {registered.version}
          </a>
          . <a href={href('models', registered.name)}>Open {registered.name}</a>
        </p>
      ) : (
        <form className="inline" onSubmit={register}>
          <input
            aria-label="Registered model name"
            placeholder="New or existing model name"
            list="registered-model-names"
            value={name}
            onChange={(e) => setName(e.target.value)}
            autoFocus
          />
          <datalist id="registered-model-names">
            {(names.data ?? []).map((n) => (
              <option key={n} value={n} />
            ))}
          </datalist>
          <button type="submit" disabled={action.busy || !trimmed}>
            Register
          </button>
          {onClose && (
            <button type="button" onClick={onClose}>
              Cancel
            </button>
          )}
          {trimmed && (
            <span className="muted">{exists ? 'adds a new version' : 'creates a new registered model'}</span>
          )}
        </form>
      )}
      <p className="muted mono">Source: {source}</p>
      <ErrorBox error={action.error} />
    </div>
  );
}

/** The aliases of one version: delete one, or set an alias (moving it here if it named another version). */
export function AliasEditor({
  name,
  version,
  aliases,
  modelAliases,
  onChanged,
}: {
  name: string;
  version: string;
  aliases: string[];
  modelAliases: { alias: string; version: string }[];
  onChanged: () => Promise<unknown>;
}) {
  const [alias, setAlias] = useState('');
  const action = useAction();
  const trimmed = alias.trim();
  const elsewhere = modelAliases.find((a) => a.alias === trimmed && a.version !== version);
  const setOne = async (e: FormEvent) => {
    e.preventDefault();
    if (!trimmed) return;
    const ok = await action.run(async () => {
      await post('registered-models/alias', { name, alias: trimmed, version });
      await onChanged();
    });
    if (ok) setAlias('');
  };
  return (
    <div className="aliases" data-testid="aliases">
      {aliases.length === 0 && <span className="muted">None </span>}
      {aliases.map((a) => (
        <span className="badge alias" key={a}>
          @{a}
          <button
            type="button"
            className="link"
            aria-label={`Delete alias ${a}`}
            title={`Delete alias ${a}`}
            disabled={action.busy}
            onClick={() =>
              void action.run(async () => {
                await send('DELETE', 'registered-models/alias', { name, alias: a });
                await onChanged();
              })
            }
          >
            ×
          </button>
        </span>
      ))}
      <form className="inline" onSubmit={setOne}>
        <input
          aria-label="New alias"
          placeholder="alias"
          value={alias}
          onChange={(e) => setAlias(e.target.value)}
        />
        <button type="submit" disabled={action.busy || !trimmed}>
          Set alias
        </button>
        {elsewhere && (
          <span className="muted">
            moves @{trimmed} from version {elsewhere.version}
          </span>
        )}
      </form>
      <ErrorBox error={action.error} />
    </div>
  );
}

const STAGES = ['None', 'Staging', 'Production', 'Archived'];

/** Moves a version to another stage, optionally archiving the versions already in it. */
export function StageEditor({
  name,
  version,
  stage,
  onChanged,
}: {
  name: string;
  version: string;
  stage: string;
  onChanged: () => Promise<unknown>;
}) {
  const [target, setTarget] = useState(STAGES.find((s) => s !== stage) ?? 'Staging');
  const [archive, setArchive] = useState(false);
  const action = useAction();
  const transition = (e: FormEvent) => {
    e.preventDefault();
    void action.run(async () => {
      await post('model-versions/transition-stage', {
        name,
        version,
        stage: target,
        archive_existing_versions: archive,
      });
      await onChanged();
    });
  };
  const archivable = target === 'Staging' || target === 'Production';
  return (
    <div className="stage" data-testid="stage">
      <form className="inline" onSubmit={transition}>
        <span className="badge">{stage || 'None'}</span>
        <select aria-label="New stage" value={target} onChange={(e) => setTarget(e.target.value)}>
          {STAGES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <label className={archivable ? '' : 'muted'}>
          <input
            type="checkbox"
            checked={archive && archivable}
            disabled={!archivable}
            onChange={(e) => setArchive(e.target.checked)}
          />{' '}
          Archive existing {archivable ? target : ''} versions
        </label>
        <button type="submit" disabled={action.busy || target === stage}>
          Transition
        </button>
      </form>
      <ErrorBox error={action.error} />
    </div>
  );
}

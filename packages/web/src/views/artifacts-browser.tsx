import { useState } from 'react';
import { artifactUrl, get } from '../api';
import { Loading } from '../components';
import { formatBytes } from '../format';
import type { FileInfo } from '../types';
import { useLoad } from '../use-load';
import { ArtifactPreview } from './artifact-preview';
import { RegisterModelForm } from './registry-actions';

/**
 * Where a browser's files come from: a run's artifacts (the default) or a logged model's. `fileUrl`
 * is undefined for files the browser cannot read (a location outside the server's artifact proxy).
 */
export interface ArtifactSource {
  /** Names the source in load keys. */
  key: string;
  list(path: string): Promise<{ files?: FileInfo[] }>;
  fileUrl(path: string): string | undefined;
}

/** A run's artifacts: `artifacts/list`, files through `get-artifact?path=&run_id=`. */
export const runArtifacts = (runId: string): ArtifactSource => ({
  key: `run:${runId}`,
  list: (path) => get<{ files?: FileInfo[] }>('artifacts/list', { run_id: runId, ...(path ? { path } : {}) }),
  fileUrl: (path) => artifactUrl(runId, path),
});

interface Selection {
  path: string;
  size?: number;
}

const folderOf = (path: string) => (path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '');

/** One folder of a run's artifacts; sub-folders open in place and load when opened. */
function Folder({
  source,
  path,
  selected,
  onSelect,
  onRegister,
}: {
  source: ArtifactSource;
  path: string;
  selected: string | undefined;
  onSelect: (file: Selection) => void;
  /** Opens the register form for a folder holding an MLmodel file (absent: registering is not offered). */
  onRegister?: (mlmodel: Selection) => void;
}) {
  const listing = useLoad(`${source.key}|${path}`, () => source.list(path));
  const [open, setOpen] = useState<Set<string>>(new Set());
  const flip = (p: string) => {
    const next = new Set(open);
    if (next.has(p)) next.delete(p);
    else next.add(p);
    setOpen(next);
  };
  return (
    <Loading loading={listing.loading} error={listing.error}>
      {() => {
        const files = [...(listing.data!.files ?? [])].sort(
          (a, b) => Number(b.is_dir) - Number(a.is_dir) || a.path.localeCompare(b.path),
        );
        if (files.length === 0) return <p className="muted">{path ? 'Empty folder' : 'No artifacts'}</p>;
        const mlmodel = files.find((f) => !f.is_dir && f.path.split('/').pop() === 'MLmodel');
        return (
          <ul className="tree">
            {mlmodel && onRegister && (
              <li className="model-folder">
                <span className="badge">MLflow model</span>
                <button
                  type="button"
                  className="link"
                  onClick={() => onRegister({ path: mlmodel.path, size: mlmodel.file_size })}
                >
                  Register model
                </button>
              </li>
            )}
            {files.map((f) => {
              const name = f.path.split('/').pop();
              return (
                <li key={f.path}>
                  {f.is_dir ? (
                    <>
                      <button className="link" onClick={() => flip(f.path)} aria-expanded={open.has(f.path)}>
                        {open.has(f.path) ? '▾' : '▸'} {name}/
                      </button>
                      {open.has(f.path) && (
                        <Folder
                          source={source}
                          path={f.path}
                          selected={selected}
                          onSelect={onSelect}
                          onRegister={onRegister}
                        />
                      )}
                    </>
                  ) : (
                    <>
                      {/* A link to the file (open or save it from the context menu); a click previews it. */}
                      <a
                        href={source.fileUrl(f.path)}
                        download={name}
                        className={selected === f.path ? 'selected' : ''}
                        aria-current={selected === f.path ? 'true' : undefined}
                        onClick={(e) => {
                          if (e.ctrlKey || e.metaKey || e.shiftKey) return;
                          e.preventDefault();
                          onSelect({ path: f.path, size: f.file_size });
                        }}
                      >
                        {name}
                      </a>{' '}
                      <span className="muted">{formatBytes(f.file_size)}</span>
                    </>
                  )}
                </li>
              );
            })}
          </ul>
        );
      }}
    </Loading>
  );
}

/**
 * A run's artifact tree (`artifacts/list`) beside a preview of the file picked in it; files download
 * through `get-artifact?path=&run_id=`. Folders holding an MLmodel file can be registered as a model.
 * With `source`, the tree is that source's instead (a logged model's files), and registering is not
 * offered.
 */
export function ArtifactsBrowser({
  runId,
  artifactUri,
  source,
}: {
  runId?: string;
  artifactUri?: string;
  source?: ArtifactSource;
}) {
  const files = source ?? runArtifacts(runId ?? '');
  const canRegister = source === undefined && runId !== undefined && artifactUri !== undefined;
  const [selected, setSelected] = useState<Selection>();
  const [registering, setRegistering] = useState<string>();
  const select = (file: Selection) => {
    setSelected(file);
    setRegistering(undefined);
  };
  const registerable = selected?.path.split('/').pop() === 'MLmodel' && canRegister;
  const modelFolder = selected ? folderOf(selected.path) : '';
  const selectedUrl = selected ? files.fileUrl(selected.path) : undefined;
  return (
    <section className="card" data-testid="artifacts">
      <h2>Artifacts</h2>
      <div className="artifacts-layout">
        <div className="artifacts-tree">
          <Folder
            source={files}
            path=""
            selected={selected?.path}
            onSelect={select}
            onRegister={
              canRegister
                ? (mlmodel) => {
                    setSelected(mlmodel);
                    setRegistering(folderOf(mlmodel.path));
                  }
                : undefined
            }
          />
        </div>
        {selected && selectedUrl === undefined ? (
          <p className="muted preview-empty">This file is not stored where the browser can read it.</p>
        ) : selected && selectedUrl ? (
          <ArtifactPreview
            key={selected.path}
            url={selectedUrl}
            path={selected.path}
            size={selected.size}
            actions={
              registerable &&
              (registering === modelFolder ? (
                <RegisterModelForm
                  runId={runId!}
                  artifactUri={artifactUri!}
                  path={modelFolder}
                  onClose={() => setRegistering(undefined)}
                />
              ) : (
                <p>
                  <button type="button" onClick={() => setRegistering(modelFolder)}>
                    Register model
                  </button>
                </p>
              ))
            }
          />
        ) : (
          <p className="muted preview-empty">Select a file to preview it.</p>
        )}
      </div>
    </section>
  );
}

import { useState } from 'react';
import { artifactUrl, get } from '../api';
import { Loading } from '../components';
import { formatBytes } from '../format';
import type { FileInfo } from '../types';
import { useLoad } from '../use-load';

/** One folder of a run's artifacts; sub-folders open in place and load when opened. */
function Folder({ runId, path }: { runId: string; path: string }) {
  const listing = useLoad(`${runId}|${path}`, () =>
    get<{ files?: FileInfo[] }>('artifacts/list', { run_id: runId, ...(path ? { path } : {}) }),
  );
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
        return (
          <ul className="tree">
            {files.map((f) => {
              const name = f.path.split('/').pop();
              return (
                <li key={f.path}>
                  {f.is_dir ? (
                    <>
                      <button className="link" onClick={() => flip(f.path)} aria-expanded={open.has(f.path)}>
                        {open.has(f.path) ? '▾' : '▸'} {name}/
                      </button>
                      {open.has(f.path) && <Folder runId={runId} path={f.path} />}
                    </>
                  ) : (
                    <>
                      <a href={artifactUrl(runId, f.path)} download={name}>
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

/** A run's artifact tree with download links (`get-artifact?path=&run_id=`). */
export function ArtifactsBrowser({ runId }: { runId: string }) {
  return (
    <section className="card" data-testid="artifacts">
      <h2>Artifacts</h2>
      <Folder runId={runId} path="" />
    </section>
  );
}

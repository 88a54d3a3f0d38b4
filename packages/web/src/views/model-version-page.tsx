import type { ReactNode } from 'react';
import { artifactUrl, get } from '../api';
import { KeyValueTable, Loading } from '../components';
import { formatTime } from '../format';
import { href } from '../router';
import type { ModelVersion } from '../types';
import { useLoad } from '../use-load';
import { aliasesOf } from './model-page';

/**
 * The `signature:` block of the version's MLmodel, as YAML text, when the source is a run-relative
 * `runs:/<run>/<path>` URI; undefined when there is none or it cannot be read.
 */
async function signatureOf(version: ModelVersion): Promise<string | undefined> {
  const match = /^runs:\/([^/]+)\/(.+?)\/?$/.exec(version.source ?? '');
  if (!match) return undefined;
  const response = await fetch(artifactUrl(match[1]!, `${match[2]}/MLmodel`));
  if (!response.ok) return undefined;
  const lines = (await response.text()).split('\n');
  const start = lines.findIndex((l) => l.startsWith('signature:'));
  if (start === -1) return undefined;
  const end = lines.findIndex((l, i) => i > start && l !== '' && !/^\s/.test(l));
  return lines.slice(start + 1, end === -1 ? undefined : end).join('\n');
}

/** One model version: source, run, logged model, stage, aliases, tags and signature. */
export function ModelVersionPage({ name, version }: { name: string; version: string }) {
  const loaded = useLoad(`${name}|${version}`, async () => {
    const { model_version: mv } = await get<{ model_version: ModelVersion }>('model-versions/get', {
      name,
      version,
    });
    return { mv, signature: await signatureOf(mv).catch(() => undefined) };
  });
  return (
    <div className="page">
      <div className="crumbs">
        <a href={href('models')}>Models</a> / <a href={href('models', name)}>{name}</a> /
      </div>
      <h1>
        {name} · version {version}
      </h1>
      <Loading loading={loaded.loading} error={loaded.error}>
        {() => {
          const { mv, signature } = loaded.data!;
          const rows: [string, ReactNode][] = [
            ['Stage', mv.current_stage ?? ''],
            [
              'Aliases',
              aliasesOf(mv)
                .map((a) => `@${a}`)
                .join(', '),
            ],
            ['Status', mv.status ?? ''],
            ['Source', <span className="mono">{mv.source}</span>],
            ['Run', mv.run_id ? <a href={href('runs', mv.run_id)}>{mv.run_id}</a> : ''],
            ['Logged model', mv.model_id ? <span className="mono">{mv.model_id}</span> : ''],
            ['Created', formatTime(mv.creation_timestamp)],
            ['Last modified', formatTime(mv.last_updated_timestamp)],
            ['Description', mv.description ?? ''],
          ];
          return (
            <>
              <section className="card" data-testid="version">
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
              </section>
              <KeyValueTable title="Tags" rows={mv.tags ?? []} />
              {signature !== undefined && (
                <section className="card">
                  <h2>Signature</h2>
                  <pre>{signature}</pre>
                </section>
              )}
            </>
          );
        }}
      </Loading>
    </div>
  );
}

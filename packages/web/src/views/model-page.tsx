import { get, send } from '../api';
import { Loading } from '../components';
import { formatTime } from '../format';
import { href } from '../router';
import type { ModelVersion, RegisteredModel } from '../types';
import { useLoad } from '../use-load';
import { useRefresh } from '../use-refresh';
import { MarkdownEditor, TagEditor } from './editors';
import { quoteLiteral } from './experiments-list';

async function load(name: string): Promise<{ model: RegisteredModel; versions: ModelVersion[] }> {
  const [{ registered_model: model }, versions] = await Promise.all([
    get<{ registered_model: RegisteredModel }>('registered-models/get', { name }),
    (async () => {
      const out: ModelVersion[] = [];
      let pageToken: string | undefined;
      do {
        const page = await get<{ model_versions?: ModelVersion[]; next_page_token?: string }>(
          'model-versions/search',
          { filter: `name = ${quoteLiteral(name)}`, max_results: 1000, page_token: pageToken },
        );
        out.push(...(page.model_versions ?? []));
        pageToken = page.next_page_token;
      } while (pageToken);
      return out.sort((a, b) => Number(b.version) - Number(a.version));
    })(),
  ]);
  return { model, versions };
}

/** The aliases pointing at a version, from the version itself or from its model. */
export function aliasesOf(version: ModelVersion, model?: RegisteredModel): string[] {
  const names = new Set(version.aliases ?? []);
  for (const a of model?.aliases ?? []) if (a.version === version.version) names.add(a.alias);
  return [...names].sort();
}

/** One registered model: description and tags (both editable) and its versions. */
export function ModelPage({ name }: { name: string }) {
  const loaded = useLoad(name, () => load(name));
  const current = useRefresh(loaded, () => load(name));
  return (
    <div className="page">
      <div className="crumbs">
        <a href={href('models')}>Models</a> /
      </div>
      <h1>{name}</h1>
      <Loading loading={loaded.loading} error={loaded.error}>
        {() => {
          const { model, versions } = current.data!;
          return (
            <>
              <MarkdownEditor
                title="Description"
                testId="model-description"
                value={model.description ?? ''}
                onSave={async (description) => {
                  await send('PATCH', 'registered-models/update', { name, description });
                  await current.refresh();
                }}
                footer={
                  <p className="muted">
                    Created {formatTime(model.creation_timestamp)} · last modified{' '}
                    {formatTime(model.last_updated_timestamp)}
                  </p>
                }
              />
              <section className="card">
                <h2>
                  Versions <span className="count">{versions.length}</span>
                </h2>
                <table className="grid" data-testid="versions">
                  <thead>
                    <tr>
                      <th>Version</th>
                      <th>Stage</th>
                      <th>Aliases</th>
                      <th>Created</th>
                      <th>Source</th>
                      <th>Run</th>
                    </tr>
                  </thead>
                  <tbody>
                    {versions.map((v) => (
                      <tr key={v.version}>
                        <td>
                          <a href={href('models', name, 'versions', v.version)}>Version {v.version}</a>
                        </td>
                        <td>{v.current_stage}</td>
                        <td>
                          {aliasesOf(v, model).map((a) => (
                            <span className="badge" key={a}>
                              @{a}
                            </span>
                          ))}
                        </td>
                        <td>{formatTime(v.creation_timestamp)}</td>
                        <td className="mono">{v.source}</td>
                        <td>{v.run_id ? <a href={href('runs', v.run_id)}>{v.run_id.slice(0, 8)}</a> : ''}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </section>
              <TagEditor
                testId="model-tags"
                tags={model.tags ?? []}
                onSet={async (key, value) => {
                  await send('POST', 'registered-models/set-tag', { name, key, value });
                  await current.refresh();
                }}
                onDelete={async (key) => {
                  await send('DELETE', 'registered-models/delete-tag', { name, key });
                  await current.refresh();
                }}
              />
            </>
          );
        }}
      </Loading>
    </div>
  );
}

import type { ReactNode } from 'react';
import { get, send } from '../api';
import { modelFileUrl } from '../api-registry';
import { signatureBlock, summarizeMlModel } from '../artifact-formats';
import type { MlModelSummary } from '../artifact-formats';
import { LabelledRows, Loading } from '../components';
import { formatTime } from '../format';
import { href } from '../router';
import type { ModelVersion, RegisteredModel } from '../types';
import { useLoad } from '../use-load';
import { useRefresh } from '../use-refresh';
import { MlModelView } from './artifact-preview';
import { MarkdownEditor, TagEditor } from './editors';
import { aliasesOf } from './model-page';
import { ModelVersionHistory } from './model-version-history';
import { AliasEditor, StageEditor } from './registry-actions';

interface ModelFile {
  /** Where it was read from: the version's download URI, or its source. */
  location: string;
  text: string;
  summary?: MlModelSummary;
}

/**
 * The version's MLmodel file, read from its download URI (`model-versions/get-download-uri`: the run's
 * or the logged model's artifact location, through the server's artifact proxy) or else from its
 * source; undefined when neither is reachable from the browser.
 */
async function modelFileOf(mv: ModelVersion): Promise<ModelFile | undefined> {
  const locations: string[] = [];
  try {
    const { artifact_uri } = await get<{ artifact_uri: string }>('model-versions/get-download-uri', {
      name: mv.name,
      version: mv.version,
    });
    if (artifact_uri) locations.push(artifact_uri);
  } catch {
    // No download URI: fall back to the source.
  }
  if (mv.source && !locations.includes(mv.source)) locations.push(mv.source);
  for (const location of locations) {
    const url = modelFileUrl(location, 'MLmodel');
    if (!url) continue;
    const response = await fetch(url).catch(() => undefined);
    if (!response?.ok) continue;
    const text = await response.text();
    try {
      return { location, text, summary: summarizeMlModel(text) };
    } catch {
      return { location, text };
    }
  }
  return undefined;
}

async function load(name: string, version: string) {
  const [{ model_version: mv }, { registered_model: model }] = await Promise.all([
    get<{ model_version: ModelVersion }>('model-versions/get', { name, version }),
    get<{ registered_model: RegisteredModel }>('registered-models/get', { name }),
  ]);
  return { mv, model };
}

/** The version's model: flavors, signature, run and logged model, as its MLmodel file says. */
function ModelFileCard({ mv }: { mv: ModelVersion }) {
  const file = useLoad(`${mv.name}|${mv.version}|${mv.source}`, () => modelFileOf(mv));
  if (file.loading || file.error || !file.data) return null;
  const { summary, text, location } = file.data;
  const signature = signatureBlock(text);
  return (
    <section className="card" data-testid="model-file">
      <h2>Model</h2>
      <p className="muted mono">{location}/MLmodel</p>
      {summary && <MlModelView summary={summary} />}
      {signature !== undefined && (
        <>
          <h3>Signature as written</h3>
          <pre className="text-preview">{signature}</pre>
        </>
      )}
    </section>
  );
}

/**
 * One model version: stage (transition), aliases (set, move, delete), description and tags (editable),
 * source, run, logged model, the model's flavors and signature, and the history of its stage and alias
 * changes.
 */
export function ModelVersionPage({ name, version }: { name: string; version: string }) {
  const loaded = useLoad(`${name}|${version}`, () => load(name, version));
  const current = useRefresh(loaded, () => load(name, version));
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
          const { mv, model } = current.data!;
          const rows: [string, ReactNode][] = [
            [
              'Stage',
              <StageEditor
                name={name}
                version={version}
                stage={mv.current_stage ?? 'None'}
                onChanged={current.refresh}
              />,
            ],
            [
              'Aliases',
              <AliasEditor
                name={name}
                version={version}
                aliases={aliasesOf(mv, model)}
                modelAliases={model.aliases ?? []}
                onChanged={current.refresh}
              />,
            ],
            ['Status', mv.status ?? ''],
            ['Source', <span className="mono">{mv.source}</span>],
            ['Run', mv.run_id ? <a href={href('runs', mv.run_id)}>{mv.run_id}</a> : ''],
            ['Logged model', mv.model_id ? <span className="mono">{mv.model_id}</span> : ''],
            ['Created', formatTime(mv.creation_timestamp)],
            ['Last modified', formatTime(mv.last_updated_timestamp)],
          ];
          return (
            <>
              <section className="card" data-testid="version">
                <LabelledRows rows={rows} />
              </section>
              <MarkdownEditor
                title="Description"
                testId="version-description"
                value={mv.description ?? ''}
                onSave={async (description) => {
                  await send('PATCH', 'model-versions/update', { name, version, description });
                  await current.refresh();
                }}
              />
              <TagEditor
                testId="version-tags"
                tags={mv.tags ?? []}
                onSet={async (key, value) => {
                  await send('POST', 'model-versions/set-tag', { name, version, key, value });
                  await current.refresh();
                }}
                onDelete={async (key) => {
                  await send('DELETE', 'model-versions/delete-tag', { name, version, key });
                  await current.refresh();
                }}
              />
              <ModelFileCard mv={mv} />
              <ModelVersionHistory
                name={name}
                version={version}
                changeKey={`${mv.current_stage}|${mv.last_updated_timestamp}|${aliasesOf(mv, model).join(',')}`}
              />
            </>
          );
        }}
      </Loading>
    </div>
  );
}

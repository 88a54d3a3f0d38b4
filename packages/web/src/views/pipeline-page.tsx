import { useState } from 'react';
import { createRun, getPipeline, isRunLive, listRuns, listVersions } from '../api-pipelines';
import type { Json, ParameterSpec, Pipeline, PipelineVersion } from '../api-pipelines';
import { ErrorBox, Loading } from '../components';
import { formatTime } from '../format';
import { href, setQuery, useRoute } from '../router';
import { useLoad } from '../use-load';
import { PipelineDag, toggled } from './pipeline-dag-view';
import { usePolledLoad } from './pipeline-hooks';
import { PipelineRunsTable } from './pipeline-list';
import './pipelines.css';

const schemaType = (p: ParameterSpec): string | undefined => {
  const t = p.schema?.type;
  return Array.isArray(t) ? (t.find((x) => x !== 'null') as string | undefined) : t;
};

/** A parameter's text field value: strings as they are, everything else as JSON. */
const fieldText = (p: ParameterSpec): string =>
  p.default === undefined
    ? ''
    : typeof p.default === 'string' && schemaType(p) === 'string'
      ? p.default
      : JSON.stringify(p.default);

/** The value a field's text stands for, by the parameter's schema type (JSON when it parses, else text). */
export function parseField(p: ParameterSpec, text: string): Json {
  const type = schemaType(p);
  if (type === 'string') return text;
  try {
    return JSON.parse(text) as Json;
  } catch {
    if (
      type === 'number' ||
      type === 'integer' ||
      type === 'boolean' ||
      type === 'array' ||
      type === 'object'
    )
      throw new Error(
        `Parameter value ${JSON.stringify(text)} is not ${type === 'integer' ? 'an' : 'a'} ${type}`,
      );
    return text;
  }
}

/** The "Run" form: one field per spec parameter (defaults filled in), experiment, name, no-cache. */
function RunForm({
  pipeline,
  version,
  onClose,
}: {
  pipeline: Pipeline;
  version: PipelineVersion;
  onClose: () => void;
}) {
  const parameters = Object.entries(version.spec.parameters ?? {});
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(parameters.map(([name, p]) => [name, fieldText(p)])),
  );
  const [experiment, setExperiment] = useState('0');
  const [name, setName] = useState('');
  const [noCache, setNoCache] = useState(false);
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setError(undefined);
    setBusy(true);
    try {
      const given: Record<string, Json> = {};
      for (const [key, p] of parameters) {
        const text = values[key] ?? '';
        // An empty field leaves the parameter out: the server fills in its default or says it is missing.
        if (text === '' && schemaType(p) !== 'string') continue;
        if (text === '' && p.default === undefined) continue;
        given[key] = parseField(p, text);
      }
      const run = await createRun({
        pipeline_id: pipeline.pipeline_id,
        version: version.version,
        experiment_id: experiment.trim() || '0',
        parameters: given,
        ...(name.trim() ? { name: name.trim() } : {}),
        ...(noCache ? { no_cache: true } : {}),
      });
      window.location.hash = href('pipeline-runs', run.run_id);
    } catch (e) {
      setError(e instanceof Error ? e : new Error(String(e)));
      setBusy(false);
    }
  };
  return (
    <form
      className="card"
      data-testid="run-form"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <h2>
        Run {pipeline.name} version {version.version}
      </h2>
      <div className="run-form">
        {parameters.length === 0 && <span className="muted">No parameters</span>}
        {parameters.length === 0 && <span />}
        {parameters.map(([key, p]) => (
          <ParameterField
            key={key}
            name={key}
            spec={p}
            value={values[key] ?? ''}
            onChange={(v) => setValues({ ...values, [key]: v })}
          />
        ))}
        <label htmlFor="run-experiment">Experiment ID</label>
        <input id="run-experiment" value={experiment} onChange={(e) => setExperiment(e.target.value)} />
        <label htmlFor="run-name">Run name</label>
        <input
          id="run-name"
          placeholder="(generated)"
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <span />
        <label>
          <input type="checkbox" checked={noCache} onChange={(e) => setNoCache(e.target.checked)} /> Do not
          use cached results
        </label>
      </div>
      <ErrorBox error={error} />
      <div className="actions-row">
        <button type="submit" disabled={busy}>
          Start run
        </button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function ParameterField({
  name,
  spec,
  value,
  onChange,
}: {
  name: string;
  spec: ParameterSpec;
  value: string;
  onChange: (v: string) => void;
}) {
  const type = schemaType(spec);
  const id = `param-${name}`;
  return (
    <>
      <label htmlFor={id} className="mono">
        {name}
      </label>
      {type === 'boolean' ? (
        <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
          <option value="">(default)</option>
          <option value="true">true</option>
          <option value="false">false</option>
        </select>
      ) : (
        <input
          id={id}
          className={type === 'string' ? '' : 'mono'}
          type={type === 'number' || type === 'integer' ? 'number' : 'text'}
          step={type === 'integer' ? 1 : 'any'}
          placeholder={spec.default === undefined ? 'required' : undefined}
          value={value}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
      <span className="hint muted">
        {type ?? 'JSON'}
        {spec.description ? ` · ${spec.description}` : ''}
        {spec.default !== undefined ? ` · default ${JSON.stringify(spec.default)}` : ''}
      </span>
    </>
  );
}

/**
 * `#/pipelines/<id>[?version=N]`: the pipeline's versions, the DAG of the chosen one (the latest by
 * default), its runs, and a form that starts a run.
 */
export function PipelinePage({ pipelineId }: { pipelineId: string }) {
  const { query } = useRoute();
  const expanded = query.getAll('expand');
  const loaded = useLoad(pipelineId, async () => {
    const pipeline = await getPipeline(pipelineId);
    return { pipeline, versions: await listVersions(pipeline.pipeline_id) };
  });
  const runs = usePolledLoad(
    `runs:${pipelineId}`,
    () => listRuns({ pipeline_id: pipelineId }),
    (data) => data.runs.some((r) => isRunLive(r.status)),
    3000,
  );
  const [running, setRunning] = useState(false);
  return (
    <div className="page">
      <div className="crumbs">
        <a href={href('pipelines')}>Pipelines</a> /
      </div>
      <Loading loading={loaded.loading} error={loaded.error}>
        {() => {
          const { pipeline, versions } = loaded.data!;
          const wanted = Number(query.get('version') ?? pipeline.latest_version ?? 0);
          const version = versions.find((v) => v.version === wanted) ?? versions[0];
          return (
            <>
              <div className="toolbar">
                <h1 style={{ margin: 0 }}>{pipeline.name}</h1>
                {version && !running && (
                  <button type="button" className="push-right" onClick={() => setRunning(true)}>
                    Run
                  </button>
                )}
              </div>
              {pipeline.description && <p>{pipeline.description}</p>}
              {running && version && (
                <RunForm pipeline={pipeline} version={version} onClose={() => setRunning(false)} />
              )}
              <section className="card" data-testid="versions">
                <h2>
                  Versions <span className="count">{versions.length}</span>
                </h2>
                {versions.length === 0 ? (
                  <p className="muted">No versions yet.</p>
                ) : (
                  <table className="grid">
                    <thead>
                      <tr>
                        <th>Version</th>
                        <th>Created</th>
                        <th>Description</th>
                        <th>Digest</th>
                      </tr>
                    </thead>
                    <tbody>
                      {versions.map((v) => (
                        <tr key={v.version} aria-selected={v.version === version?.version}>
                          <td>
                            {v.version === version?.version ? (
                              <strong>Version {v.version}</strong>
                            ) : (
                              <a
                                href={`${href('pipelines', pipelineId)}?version=${v.version}`}
                                onClick={(e) => {
                                  e.preventDefault();
                                  setQuery({ version: String(v.version), expand: undefined });
                                }}
                              >
                                Version {v.version}
                              </a>
                            )}
                            {v.version === pipeline.latest_version && <span className="badge">latest</span>}
                          </td>
                          <td>{formatTime(v.created_at)}</td>
                          <td>{v.description}</td>
                          <td className="mono" title={v.spec_digest}>
                            {v.spec_digest.slice(0, 12)}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </section>
              {version && (
                <section className="card">
                  <h2>
                    DAG of version {version.version}{' '}
                    <span className="count">{Object.keys(version.spec.tasks).length} tasks</span>
                  </h2>
                  {version.spec.description && <p className="muted">{version.spec.description}</p>}
                  <PipelineDag
                    spec={version.spec}
                    expanded={new Set(expanded)}
                    onToggle={(id) => setQuery({ expand: toggled(expanded, id) }, true)}
                  />
                </section>
              )}
              <section className="card">
                <h2>Runs</h2>
                <Loading loading={runs.loading} error={runs.error}>
                  {() => (
                    <PipelineRunsTable
                      runs={runs.data!.runs}
                      pipelines={new Map([[pipeline.pipeline_id, pipeline]])}
                    />
                  )}
                </Loading>
              </section>
            </>
          );
        }}
      </Loading>
    </div>
  );
}

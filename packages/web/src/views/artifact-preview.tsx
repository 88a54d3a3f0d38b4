import { useEffect, useMemo, useState } from 'react';
import type { ReactNode } from 'react';
import { readPrefix } from '../api-registry';
import {
  compareCells,
  loggedTable,
  looksLikeText,
  parseDelimited,
  previewKind,
  summarizeMlModel,
} from '../artifact-formats';
import type { MlModelSummary, PreviewKind, SchemaColumn, TableData } from '../artifact-formats';
import { Loading } from '../components';
import { formatBytes } from '../format';
import { href } from '../router';
import { useLoad } from '../use-load';

/** Text-like previews show the first MiB; HTML reports get more room before they are cut. */
export const TEXT_LIMIT = 1024 * 1024;
const HTML_LIMIT = 10 * 1024 * 1024;
const TABLE_ROWS = 1000;

const decode = (bytes: Uint8Array) => new TextDecoder('utf-8', { fatal: false }).decode(bytes);

function Truncated({ truncated, limit }: { truncated: boolean; limit: number }) {
  if (!truncated) return null;
  return <p className="muted">Showing the first {formatBytes(limit)}; download the file for all of it.</p>;
}

/** A table whose columns sort (numbers as numbers) when their header is clicked. */
export function SortableTable({ data, testId }: { data: TableData; testId?: string }) {
  const [sort, setSort] = useState<{ column: number; desc: boolean }>();
  const rows = useMemo(() => {
    if (!sort) return data.rows;
    const sorted = [...data.rows].sort((a, b) => compareCells(a[sort.column] ?? '', b[sort.column] ?? ''));
    return sort.desc ? sorted.reverse() : sorted;
  }, [data, sort]);
  return (
    <>
      <p className="muted">
        {data.rows.length} rows × {data.columns.length} columns
        {data.rows.length > TABLE_ROWS ? ` (showing ${TABLE_ROWS})` : ''}
      </p>
      <div className="table-preview">
        <table className="grid" data-testid={testId}>
          <thead>
            <tr>
              {data.columns.map((c, i) => (
                <th
                  key={i}
                  className="sortable"
                  aria-sort={sort?.column === i ? (sort.desc ? 'descending' : 'ascending') : 'none'}
                  onClick={() =>
                    setSort(sort?.column === i ? { column: i, desc: !sort.desc } : { column: i, desc: false })
                  }
                >
                  {c}
                  {sort?.column === i ? (sort.desc ? ' ▼' : ' ▲') : ''}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.slice(0, TABLE_ROWS).map((r, i) => (
              <tr key={i}>
                {data.columns.map((_c, j) => (
                  <td key={j}>{r[j] ?? ''}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function SchemaTable({ title, columns }: { title: string; columns: SchemaColumn[] }) {
  return (
    <div>
      <h3>{title}</h3>
      <table className="grid compact">
        <thead>
          <tr>
            <th>Name</th>
            <th>Type</th>
            <th>Required</th>
          </tr>
        </thead>
        <tbody>
          {columns.map((c) => (
            <tr key={c.name}>
              <td className="mono">{c.name}</td>
              <td className="mono">{c.type}</td>
              <td>{c.required ? 'yes' : 'no'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A model signature's inputs, outputs and params as tables. */
export function SignatureView({ signature }: { signature: NonNullable<MlModelSummary['signature']> }) {
  const parts = (['inputs', 'outputs', 'params'] as const).filter((p) => signature[p]?.length);
  if (parts.length === 0) return <p className="muted">The signature has no schema.</p>;
  return (
    <div className="signature">
      {parts.map((p) => (
        <SchemaTable key={p} title={p[0]!.toUpperCase() + p.slice(1)} columns={signature[p]!} />
      ))}
    </div>
  );
}

/** What an MLmodel file says: flavors, signature, run and logged model. */
export function MlModelView({ summary, runLinks = true }: { summary: MlModelSummary; runLinks?: boolean }) {
  const rows: [string, ReactNode][] = [
    ['Artifact path', summary.artifactPath],
    [
      'Run',
      summary.runId &&
        (runLinks ? (
          <a href={href('runs', summary.runId)} className="mono">
            {summary.runId}
          </a>
        ) : (
          <span className="mono">{summary.runId}</span>
        )),
    ],
    ['Model ID', summary.modelId && <span className="mono">{summary.modelId}</span>],
    ['Created', summary.created],
    ['MLflow version', summary.mlflowVersion],
  ];
  return (
    <div className="mlmodel" data-testid="mlmodel-summary">
      <table className="kv">
        <tbody>
          {rows
            .filter(([, v]) => v)
            .map(([label, v]) => (
              <tr key={label}>
                <th>{label}</th>
                <td>{v}</td>
              </tr>
            ))}
          <tr>
            <th>Flavors</th>
            <td>
              {summary.flavors.length === 0 && <span className="muted">None</span>}
              {summary.flavors.map((f) => (
                <div key={f.name} className="flavor">
                  <span className="badge">{f.name}</span>
                  {f.details.map(([k, v]) => (
                    <span key={k} className="muted mono flavor-detail">
                      {k}: {v}
                    </span>
                  ))}
                </div>
              ))}
            </td>
          </tr>
        </tbody>
      </table>
      <h3>Signature</h3>
      {summary.signature ? (
        <SignatureView signature={summary.signature} />
      ) : (
        <p className="muted">No signature</p>
      )}
    </div>
  );
}

/** An SVG shown as an image from a blob (the server sends SVG as text so it can never run as a page). */
function SvgImage({ bytes, name }: { bytes: Uint8Array; name: string }) {
  const [url, setUrl] = useState<string>();
  useEffect(() => {
    const blob = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'image/svg+xml' }));
    setUrl(blob);
    return () => URL.revokeObjectURL(blob);
  }, [bytes]);
  return url ? <img className="image-preview" src={url} alt={name} /> : null;
}

function TextBody({
  kind,
  name,
  bytes,
  truncated,
  limit,
  actions,
}: {
  kind: PreviewKind | undefined;
  name: string;
  bytes: Uint8Array;
  truncated: boolean;
  limit: number;
  actions?: ReactNode;
}) {
  const text = decode(bytes);
  if (kind === undefined && !looksLikeText(bytes)) {
    return <p className="muted">No preview for this file type.</p>;
  }
  const note = <Truncated truncated={truncated} limit={limit} />;
  const raw = (
    <pre className="text-preview" data-testid="text-preview">
      {text}
    </pre>
  );
  switch (kind) {
    case 'svg':
      return <SvgImage bytes={bytes} name={name} />;
    case 'html':
      return (
        <>
          {note}
          <iframe
            className="html-preview"
            title={`Preview of ${name}`}
            sandbox=""
            srcDoc={text}
            data-testid="html-preview"
          />
        </>
      );
    case 'csv':
    case 'tsv':
      return (
        <>
          {note}
          <SortableTable
            data={parseDelimited(text, kind === 'tsv' ? '\t' : ',', truncated)}
            testId="table-preview"
          />
        </>
      );
    case 'json': {
      if (truncated || name.endsWith('.jsonl')) {
        return (
          <>
            {note}
            {raw}
          </>
        );
      }
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        return raw;
      }
      const table = loggedTable(value);
      if (table) return <SortableTable data={table} testId="table-preview" />;
      return (
        <pre className="text-preview" data-testid="text-preview">
          {JSON.stringify(value, null, 2)}
        </pre>
      );
    }
    case 'mlmodel': {
      let summary: MlModelSummary | undefined;
      try {
        summary = summarizeMlModel(text);
      } catch {
        summary = undefined;
      }
      return (
        <>
          {actions}
          {summary ? <MlModelView summary={summary} /> : null}
          <details className="raw" open={!summary}>
            <summary className="muted">MLmodel file</summary>
            {raw}
          </details>
        </>
      );
    }
    default:
      return (
        <>
          {note}
          {raw}
        </>
      );
  }
}

/**
 * The preview of one artifact (a run's or a logged model's), by file type: images, text and logs (the first MiB), JSON and YAML,
 * CSV and MLflow logged tables as sortable tables, HTML in a sandboxed frame (no scripts, no access to
 * the app) and MLmodel files as a summary. `actions` shows with MLmodel files (registering the model).
 */
export function ArtifactPreview({
  url,
  path,
  size,
  actions,
}: {
  /** Where the file is read from (`artifactUrl(runId, path)` for a run's artifact). */
  url: string;
  path: string;
  size?: number;
  actions?: ReactNode;
}) {
  const name = path.split('/').pop() ?? path;
  const kind = previewKind(path);
  const limit = kind === 'html' || kind === 'svg' ? HTML_LIMIT : TEXT_LIMIT;
  const content = useLoad(`${url}|${kind}`, () =>
    kind === 'image' ? Promise.resolve(undefined) : readPrefix(url, limit),
  );
  return (
    <div className="preview" data-testid="artifact-preview">
      <div className="preview-head">
        <span className="mono preview-path">{path}</span>
        <span className="muted">{formatBytes(size)}</span>
        <a className="push-right" href={url} download={name}>
          Download
        </a>
      </div>
      {kind === 'image' ? (
        <img className="image-preview" src={url} alt={name} />
      ) : (
        <Loading loading={content.loading} error={content.error}>
          {() => (
            <TextBody
              kind={kind}
              name={name}
              bytes={content.data!.bytes}
              truncated={content.data!.truncated}
              limit={limit}
              actions={actions}
            />
          )}
        </Loading>
      )}
    </div>
  );
}

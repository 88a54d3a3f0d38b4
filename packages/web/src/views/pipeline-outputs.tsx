import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import { artifactUrl, get } from '../api';
import { artifactLocation } from '../api-pipelines';
import { readPrefix } from '../api-registry';
import { Loading } from '../components';
import { formatNumber } from '../format';
import type { FileInfo } from '../types';
import { useLoad } from '../use-load';
import { ArtifactPreview, TEXT_LIMIT } from './artifact-preview';
import { ArtifactsBrowser } from './artifacts-browser';
import type { ArtifactSource } from './artifacts-browser';
import { Markdown } from './markdown';
import './pipelines.css';

// Previews of a task's output artifacts, read from its tracking run (`outputs/<name>`), by the
// artifact type the component declares: Metrics as a table, ClassificationMetrics as a ROC curve and a
// confusion matrix, HTML in a sandboxed frame, Markdown rendered; anything else as the artifacts
// browser previews it (by extension, or as text).

/** `[name, number]` rows of a Metrics JSON: `{a: 1, b: {c: 2}}` (nested keys dotted) or `{metrics: [{name, numberValue|value}]}`. */
export function metricRows(value: unknown, prefix = ''): [string, number][] {
  if (!value || typeof value !== 'object') return [];
  const list = (value as { metrics?: unknown }).metrics;
  if (!prefix && Array.isArray(list)) {
    return list.flatMap((m): [string, number][] => {
      const {
        name,
        numberValue,
        value: v,
      } = (m ?? {}) as { name?: unknown; numberValue?: unknown; value?: unknown };
      const n = typeof numberValue === 'number' ? numberValue : v;
      return typeof name === 'string' && typeof n === 'number' ? [[name, n]] : [];
    });
  }
  if (Array.isArray(value)) return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]): [string, number][] =>
    typeof v === 'number'
      ? [[`${prefix}${k}`, v]]
      : v && typeof v === 'object' && !Array.isArray(v)
        ? metricRows(v, `${prefix}${k}.`)
        : [],
  );
}

function MetricsTable({ rows, testId }: { rows: [string, number][]; testId?: string }) {
  if (rows.length === 0) return <p className="muted">No numeric values.</p>;
  return (
    <table className="kv" data-testid={testId}>
      <tbody>
        {rows.map(([k, v]) => (
          <tr key={k}>
            <th className="mono">{k}</th>
            <td>{formatNumber(v)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const numbers = (v: unknown): number[] | undefined =>
  Array.isArray(v) && v.every((x) => typeof x === 'number') ? (v as number[]) : undefined;

/** A ROC curve (false positive rate → true positive rate) with the chance diagonal, drawn by uPlot. */
function RocChart({ fpr, tpr }: { fpr: number[]; tpr: number[] }) {
  const element = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!element.current) return;
    const points = fpr
      .map((x, i) => [x, tpr[i] ?? NaN] as const)
      .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y))
      .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const xs = points.map(([x]) => x);
    const chart = new uPlot(
      {
        width: 380,
        height: 280,
        scales: { x: { time: false, range: [0, 1] }, y: { range: [0, 1] } },
        axes: [{ label: 'false positive rate' }, { label: 'true positive rate' }],
        series: [
          { label: 'FPR', value: (_u, v) => (v == null ? '' : formatNumber(v)) },
          { label: 'TPR', stroke: '#2563eb', width: 2, value: (_u, v) => (v == null ? '' : formatNumber(v)) },
          { label: 'chance', stroke: '#9ca3af', width: 1, dash: [4, 4], points: { show: false } },
        ],
        legend: { show: true },
      },
      [xs, points.map(([, y]) => y), xs],
      element.current,
    );
    return () => chart.destroy();
  }, [fpr, tpr]);
  return (
    <figure className="chart" data-testid="roc-curve" data-points={fpr.length}>
      <figcaption>ROC curve</figcaption>
      <div ref={element} />
    </figure>
  );
}

function ConfusionMatrix({ labels, matrix }: { labels: string[]; matrix: number[][] }) {
  return (
    <table className="grid compact confusion" data-testid="confusion-matrix">
      <caption className="muted">Confusion matrix (rows: actual, columns: predicted)</caption>
      <thead>
        <tr>
          <th />
          {labels.map((l) => (
            <th key={l}>{l}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {matrix.map((row, i) => (
          <tr key={i}>
            <th>{labels[i] ?? i}</th>
            {row.map((n, j) => (
              <td key={j} className={i === j ? 'diagonal' : ''}>
                {formatNumber(n)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * A ClassificationMetrics JSON: `{roc: {fpr: [...], tpr: [...], thresholds?: [...]}, confusionMatrix:
 * {labels: [...], matrix: [[...]]}}` plus any numeric fields (shown as a metrics table).
 */
export function ClassificationView({ value }: { value: Record<string, unknown> }) {
  const roc = (value.roc ?? {}) as { fpr?: unknown; tpr?: unknown };
  const fpr = numbers(roc.fpr);
  const tpr = numbers(roc.tpr);
  const cm = (value.confusionMatrix ?? {}) as { labels?: unknown; matrix?: unknown };
  const labels = Array.isArray(cm.labels) ? cm.labels.map(String) : undefined;
  const matrix =
    Array.isArray(cm.matrix) && cm.matrix.every((r) => numbers(r)) ? (cm.matrix as number[][]) : undefined;
  const rest = Object.fromEntries(
    Object.entries(value).filter(([k]) => k !== 'roc' && k !== 'confusionMatrix'),
  );
  const rows = metricRows(rest);
  return (
    <div data-testid="classification-metrics">
      {rows.length > 0 && <MetricsTable rows={rows} />}
      {fpr && tpr && <RocChart fpr={fpr} tpr={tpr} />}
      {labels && matrix && <ConfusionMatrix labels={labels} matrix={matrix} />}
      {!(fpr && tpr) && !(labels && matrix) && rows.length === 0 && (
        <pre className="json">{JSON.stringify(value, null, 2)}</pre>
      )}
    </div>
  );
}

const decode = (bytes: Uint8Array) => new TextDecoder('utf-8', { fatal: false }).decode(bytes);

/** A typed file read whole (up to the text limit) and shown by its artifact type. */
function TypedFile({ url, path, type }: { url: string; path: string; type: string }) {
  const content = useLoad(`${url}|typed`, () => readPrefix(url, TEXT_LIMIT));
  return (
    <Loading loading={content.loading} error={content.error}>
      {() => {
        const text = decode(content.data!.bytes);
        if (type === 'HTML') {
          return (
            <iframe
              className="html-preview"
              title={`Preview of ${path}`}
              sandbox=""
              srcDoc={text}
              data-testid="html-preview"
            />
          );
        }
        if (type === 'Markdown') return <Markdown source={text} testId="markdown-preview" />;
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch {
          return <ArtifactPreview url={url} path={path} />;
        }
        if (type === 'ClassificationMetrics' && value && typeof value === 'object' && !Array.isArray(value))
          return <ClassificationView value={value as Record<string, unknown>} />;
        const rows = metricRows(value);
        return rows.length > 0 ? (
          <MetricsTable rows={rows} testId="metrics-preview" />
        ) : (
          <pre className="json">{JSON.stringify(value, null, 2)}</pre>
        );
      }}
    </Loading>
  );
}

/** A run's artifacts below one folder (the browser's root is the folder). */
const folderSource = (runId: string, folder: string): ArtifactSource => ({
  key: `run:${runId}:${folder}`,
  list: (path) => get<{ files?: FileInfo[] }>('artifacts/list', { run_id: runId, path: path || folder }),
  fileUrl: (path) => artifactUrl(runId, path),
});

/** One output artifact of a task: its URI, and a preview of the file or folder behind it. */
export function OutputArtifact({
  name,
  type,
  uri,
  taskRunId,
}: {
  name: string;
  type: string | undefined;
  uri: string;
  /** The task's tracking run, where `outputs/<name>` lives when the URI says nothing better. */
  taskRunId: string | null;
}) {
  const location =
    artifactLocation(uri) ?? (taskRunId ? { runId: taskRunId, path: `outputs/${name}` } : undefined);
  const listing = useLoad(`${location?.runId}|${location?.path}`, async () =>
    location
      ? get<{ files?: FileInfo[] }>('artifacts/list', { run_id: location.runId, path: location.path })
      : { files: [] },
  );
  return (
    <div className="output-preview" data-testid={`output-${name}`}>
      <h3>
        {name} {type && <span className="badge">{type}</span>}
      </h3>
      <div className="mono muted" style={{ wordBreak: 'break-all' }}>
        {uri}
      </div>
      {!location ? (
        <p className="muted">Stored outside the server's artifact store: no preview.</p>
      ) : (
        <Loading loading={listing.loading} error={listing.error}>
          {() => {
            const files = listing.data!.files ?? [];
            // A folder lists its files; a file lists nothing.
            if (files.length > 0)
              return <ArtifactsBrowser source={folderSource(location.runId, location.path)} />;
            const url = artifactUrl(location.runId, location.path);
            return type === 'Metrics' ||
              type === 'ClassificationMetrics' ||
              type === 'HTML' ||
              type === 'Markdown' ? (
              <TypedFile url={url} path={location.path} type={type} />
            ) : (
              <ArtifactPreview url={url} path={location.path} />
            );
          }}
        </Loading>
      )}
    </div>
  );
}

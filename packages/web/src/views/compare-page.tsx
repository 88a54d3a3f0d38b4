import { useEffect, useMemo } from 'react';
import { ErrorBox, Loading } from '../components';
import { formatNumber } from '../format';
import { href, setQuery, useRoute } from '../router';
import { useLoad } from '../use-load';
import { keysOf, loadHistories, loadRuns, runColor, runName } from './compare-data';
import { DiffTable } from './compare-diff';
import { CompareMetricChart } from './compare-metric-chart';
import type { ChartRun } from './compare-metric-chart';
import { ParallelCoordinates } from './compare-parallel';
import { ScatterPlot } from './compare-scatter';
import { columnId, compareHref, parseColumn, parseCompareQuery } from './compare-url';
import type { ColumnRef } from './compare-url';

/** A drop-down of checkboxes, like the runs table's column chooser. */
function Chooser({
  title,
  testId,
  options,
  chosen,
  onChange,
}: {
  title: string;
  testId: string;
  options: string[];
  chosen: string[];
  onChange: (chosen: string[]) => void;
}) {
  return (
    <details className="chooser">
      <summary>
        {title} ({chosen.length})
      </summary>
      <div className="chooser-panel" data-testid={testId}>
        <fieldset>
          {options.length === 0 && <span className="muted">none</span>}
          {options.map((option) => (
            <label key={option}>
              <input
                type="checkbox"
                checked={chosen.includes(option)}
                onChange={() =>
                  onChange(
                    chosen.includes(option)
                      ? chosen.filter((c) => c !== option)
                      : options.filter((o) => o === option || chosen.includes(o)),
                  )
                }
              />
              {option}
            </label>
          ))}
        </fieldset>
      </div>
    </details>
  );
}

/** A select of every param and metric key, as `param:<key>` / `metric:<key>`. */
function ColumnSelect({
  label,
  params,
  metrics,
  value,
  onChange,
}: {
  label: string;
  params: string[];
  metrics: string[];
  value: ColumnRef;
  onChange: (id: string) => void;
}) {
  return (
    <label>
      {label}{' '}
      <select aria-label={label} value={columnId(value)} onChange={(e) => onChange(e.target.value)}>
        <optgroup label="Params">
          {params.map((key) => (
            <option key={key} value={`param:${key}`}>
              {key}
            </option>
          ))}
        </optgroup>
        <optgroup label="Metrics">
          {metrics.map((key) => (
            <option key={key} value={`metric:${key}`}>
              {key}
            </option>
          ))}
        </optgroup>
      </select>
    </label>
  );
}

/**
 * MLflow's "compare runs": overlaid metric charts, parallel coordinates, a scatter plot and a diff table
 * of the runs in `#/compare?runs=<id>,<id>` (MLflow's `#/compare-runs?runs=["<id>",...]` links too).
 * Every choice lives in the URL.
 */
export function ComparePage() {
  const { segments, query } = useRoute();
  const state = parseCompareQuery(query);
  const runKey = state.runIds.join(',');
  const experimentKey = state.experimentIds.join(',');

  // MLflow's link form becomes Ferry's, keeping any other view state.
  useEffect(() => {
    if (segments[0] !== 'compare-runs') return;
    const rest = new URLSearchParams(query);
    rest.delete('runs');
    rest.delete('experiments');
    const extra = rest.toString();
    const canonical = compareHref(
      runKey ? runKey.split(',') : [],
      experimentKey ? experimentKey.split(',') : [],
    );
    window.history.replaceState(null, '', `${canonical}${extra ? `&${extra}` : ''}`);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  });

  const chosenKey = state.metrics.join('\n');
  const loaded = useLoad(`${runKey}|${experimentKey}`, () => {
    const runIds = runKey ? runKey.split(',') : [];
    // Histories do not wait for the page to render: chosen metrics are fetched alongside the runs, the
    // default one as soon as the runs name it. The charts find these answers in the history cache.
    const chosen = chosenKey ? chosenKey.split('\n') : [];
    for (const key of chosen) void loadHistories(runIds, key).catch(() => undefined);
    return loadRuns(runIds, experimentKey ? experimentKey.split(',') : []).then((result) => {
      const first = keysOf(result.runs).metrics[0];
      const ids = result.runs.map((r) => r.info.run_id);
      if (!chosen.length && first) void loadHistories(ids, first).catch(() => undefined);
      return result;
    });
  });
  const runs = useMemo(() => loaded.data?.runs ?? [], [loaded.data]);
  const keys = useMemo(() => keysOf(runs), [runs]);
  const chartRuns = useMemo<ChartRun[]>(
    () => runs.map((r, i) => ({ id: r.info.run_id, name: runName(r), color: runColor(i) })),
    [runs],
  );

  const chartMetrics = state.metrics.length ? state.metrics : keys.metrics.slice(0, 1);
  const parallelKey = (state.parallelParams.length ? state.parallelParams : keys.params.slice(0, 6)).join(
    '\n',
  );
  const parallelParams = useMemo(
    () => (parallelKey ? parallelKey.split('\n').filter((p) => p !== '-') : []),
    [parallelKey],
  );
  const parallelMetric = state.parallelMetric ?? keys.metrics[0];
  const fallbackX = keys.params[0]
    ? `param:${keys.params[0]}`
    : keys.metrics[0]
      ? `metric:${keys.metrics[0]}`
      : '';
  const fallbackY = keys.metrics[0]
    ? `metric:${keys.metrics[0]}`
    : keys.params[1]
      ? `param:${keys.params[1]}`
      : '';
  const xId = state.scatterX ? columnId(state.scatterX) : fallbackX;
  const yId = state.scatterY ? columnId(state.scatterY) : fallbackY;
  const scatterX = useMemo(() => parseColumn(xId), [xId]);
  const scatterY = useMemo(() => parseColumn(yId), [yId]);
  const experiments = [...new Set(runs.map((r) => r.info.experiment_id))];

  if (state.runIds.length === 0) {
    return (
      <div className="page">
        <h1>Compare runs</h1>
        <p className="muted">
          Select runs in an experiment's runs table and press <b>Compare</b>.{' '}
          <a href={href('experiments')}>Experiments</a>
        </p>
      </div>
    );
  }

  return (
    <div className="page" data-testid="compare-page">
      <div className="crumbs">
        <a href={href('experiments')}>Experiments</a> /{' '}
        {experiments.map((id) => (
          <span key={id}>
            <a href={href('experiments', id)}>Experiment {id}</a> /{' '}
          </span>
        ))}
      </div>
      <h1>
        Comparing {state.runIds.length} runs
        {loaded.data && loaded.data.missing.length > 0 && (
          <span className="muted" style={{ fontSize: 14, fontWeight: 400 }}>
            {' '}
            ({runs.length} found)
          </span>
        )}
      </h1>
      <Loading loading={loaded.loading} error={loaded.error}>
        {() => (
          <>
            {loaded.data!.missing.length > 0 && (
              <ErrorBox error={new Error(`No run with id ${loaded.data!.missing.join(', ')}`)} />
            )}
            <section className="card" data-testid="compare-metrics">
              <h2>Metrics</h2>
              <div className="toolbar">
                <Chooser
                  title="Metrics"
                  testId="metric-chooser"
                  options={keys.metrics}
                  chosen={chartMetrics}
                  onChange={(chosen) => setQuery({ metric: chosen })}
                />
                <label>
                  Smoothing{' '}
                  <input
                    type="range"
                    aria-label="Smoothing"
                    min={0}
                    max={0.99}
                    step={0.01}
                    value={state.smoothing}
                    style={{ verticalAlign: 'middle' }}
                    onChange={(e) => {
                      const value = Number(e.target.value);
                      setQuery({ smooth: value > 0 ? String(value) : undefined }, true);
                    }}
                  />{' '}
                  <output className="mono">{formatNumber(state.smoothing)}</output>
                </label>
                <label>
                  <input
                    type="checkbox"
                    aria-label="Log scale"
                    checked={state.logScale}
                    onChange={(e) => setQuery({ log: e.target.checked ? '1' : undefined })}
                  />{' '}
                  Log scale
                </label>
              </div>
              {chartMetrics.length === 0 && <p className="muted">These runs have no metrics.</p>}
              <div className="charts">
                {chartMetrics.map((key) => (
                  <CompareMetricChart
                    key={key}
                    metricKey={key}
                    runs={chartRuns}
                    smoothing={state.smoothing}
                    logScale={state.logScale}
                  />
                ))}
              </div>
            </section>
            <div className="columns">
              <section className="card" data-testid="compare-parallel" style={{ minWidth: 0 }}>
                <h2>Parallel coordinates</h2>
                <div className="toolbar">
                  <Chooser
                    title="Params"
                    testId="parallel-params"
                    options={keys.params}
                    chosen={parallelParams}
                    onChange={(chosen) => setQuery({ pc: chosen.length ? chosen : ['-'] })}
                  />
                  <label>
                    Metric{' '}
                    <select
                      aria-label="Parallel coordinates metric"
                      value={parallelMetric ?? ''}
                      onChange={(e) => setQuery({ pcm: e.target.value })}
                    >
                      {keys.metrics.map((key) => (
                        <option key={key}>{key}</option>
                      ))}
                    </select>
                  </label>
                </div>
                <ParallelCoordinates runs={runs} params={parallelParams} metric={parallelMetric} />
              </section>
              <section className="card" data-testid="compare-scatter" style={{ minWidth: 0 }}>
                <h2>Scatter plot</h2>
                {scatterX && scatterY ? (
                  <>
                    <div className="toolbar">
                      <ColumnSelect
                        label="X axis"
                        params={keys.params}
                        metrics={keys.metrics}
                        value={scatterX}
                        onChange={(id) => setQuery({ x: id })}
                      />
                      <ColumnSelect
                        label="Y axis"
                        params={keys.params}
                        metrics={keys.metrics}
                        value={scatterY}
                        onChange={(id) => setQuery({ y: id })}
                      />
                    </div>
                    <ScatterPlot runs={runs} x={scatterX} y={scatterY} />
                  </>
                ) : (
                  <p className="muted">These runs have no params or metrics to plot.</p>
                )}
              </section>
            </div>
            <section className="card" data-testid="compare-diff">
              <div className="toolbar">
                <h2 style={{ margin: 0 }}>Params, metrics and tags</h2>
                <label className="push-right">
                  <input
                    type="checkbox"
                    checked={state.onlyDifferences}
                    onChange={(e) => setQuery({ diff: e.target.checked ? '1' : undefined })}
                  />{' '}
                  Show only differences
                </label>
              </div>
              <DiffTable runs={runs} onlyDifferences={state.onlyDifferences} />
            </section>
          </>
        )}
      </Loading>
    </div>
  );
}

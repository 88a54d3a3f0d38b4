// Minimizes (w - 3)^2 by gradient descent and logs the loss of each step into the run the project
// started. The run comes from MLFLOW_RUN_ID / MLFLOW_TRACKING_URI; metrics go over MLflow's REST API
// with fetch, so the project needs no package at all.
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { lr: { type: 'string' }, steps: { type: 'string' }, label: { type: 'string' } },
});
const lr = Number(values.lr);
const steps = Number(values.steps);

const trackingUri = process.env.MLFLOW_TRACKING_URI ?? '';
const runId = process.env.MLFLOW_RUN_ID;

async function logBatch(body) {
  // A database URI (sqlite:///...) has no REST API to call: print only.
  if (!runId || !/^https?:/.test(trackingUri)) return;
  const response = await fetch(`${trackingUri.replace(/\/+$/, '')}/api/2.0/mlflow/runs/log-batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ run_id: runId, ...body }),
  });
  if (!response.ok) throw new Error(`log-batch failed: ${response.status} ${await response.text()}`);
}

let w = 0;
const metrics = [];
for (let step = 0; step < steps; step++) {
  w -= lr * 2 * (w - 3);
  const loss = (w - 3) ** 2;
  metrics.push({ key: 'loss', value: loss, timestamp: Date.now(), step });
}
await logBatch({
  metrics: [...metrics, { key: 'w', value: w, timestamp: Date.now(), step: 0 }],
  tags: [{ key: 'example.label', value: values.label ?? '' }],
});
console.log(
  `${values.label}: w=${w.toFixed(4)} after ${steps} steps, loss=${metrics.at(-1)?.value.toExponential(2)}`,
);

// Runs the example pipeline and follows it until it ends: `npm run example:pipeline`.
// On the embedded defaults (no FERRY_TRACKING_URI) Ferry runs in this process, on ./ferry-data; with FERRY_TRACKING_URI
// naming a server (http://…), the server runs it. Parameters: `-- --threshold 0.95 --rows 5000`.
import { parseArgs } from 'node:util';
import { TrackingSession } from '@ferry/sdk';
import { trainAndRegister } from './pipeline.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string' },
    seed: { type: 'string' },
    epochs: { type: 'string' },
    threshold: { type: 'string' },
    'model-name': { type: 'string' },
    'no-cache': { type: 'boolean', default: false },
  },
});
const parameters: Record<string, number | string> = {};
for (const key of ['rows', 'seed', 'epochs'] as const) if (values[key]) parameters[key] = Number(values[key]);
if (values.threshold) parameters['threshold'] = Number(values.threshold);
if (values['model-name']) parameters['modelName'] = values['model-name'];

// The embedded defaults are `npm start`'s: the database and artifacts under ./ferry-data, so the run
// shows in the UI of a server started later on the same folder.
const trackingUri =
  process.env['FERRY_TRACKING_URI'] ??
  process.env['MLFLOW_TRACKING_URI'] ??
  'sqlite:///./ferry-data/ferry.db';
const session = new TrackingSession({ trackingUri, captureSource: false });
try {
  const experiment = await session.setExperiment('pipeline-example');
  const seen = new Map<string, string>();
  const run = await session.pipelines.runPipeline(trainAndRegister, {
    experimentId: experiment,
    parameters,
    noCache: values['no-cache'],
    wait: {
      pollMs: 250,
      onUpdate: (_run, tasks) => {
        for (const task of tasks) {
          if (seen.get(task.taskId) === task.status) continue;
          seen.set(task.taskId, task.status);
          console.log(`  ${task.taskId.padEnd(12)} ${task.status}${task.error ? ` (${task.error})` : ''}`);
        }
      },
    },
  });
  const { tasks } = await session.pipelines.getRun(run.runId);
  const evaluate = tasks.find((t) => t.taskId === 'evaluate');
  const register = tasks.find((t) => t.taskId === 'register');
  console.log(`pipeline run ${run.runId}: ${run.status}`);
  if (evaluate?.outputs) console.log(`accuracy: ${String(evaluate.outputs['accuracy'])}`);
  if (register?.status === 'succeeded' || register?.status === 'cached') {
    console.log(
      `registered: ${String(parameters['modelName'] ?? 'example-classifier')} version ${String(register.outputs?.['version'])}`,
    );
  } else {
    console.log('not registered: the accuracy did not clear the threshold');
  }
  process.exitCode = run.status === 'succeeded' ? 0 : 1;
} finally {
  await session.close();
}

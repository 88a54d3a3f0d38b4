import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '@ferry/server';
import { launchChromium, restClient, screenshot, startUiServer } from './e2e-support.js';

// Upper bounds only: every wait polls and returns as soon as the state is there.
const LONG = 90_000;

const number = { kind: 'parameter', schema: { type: 'number' } };
const command = (
  name: string,
  script: string,
  inputs: Record<string, unknown> = {},
  outputs: Record<string, unknown> = {},
) => ({ name, inputs, outputs, implementation: { command: ['sh', '-c', script] } });

const CLASSIFICATION = JSON.stringify({
  auc: 0.875,
  roc: { fpr: [0, 0.1, 0.4, 1], tpr: [0, 0.6, 0.9, 1], thresholds: [1, 0.8, 0.4, 0] },
  confusionMatrix: {
    labels: ['cat', 'dog'],
    matrix: [
      [41, 9],
      [6, 44],
    ],
  },
});

/**
 * A pipeline of `sh -c` steps: prep (artifacts and a number) → train (sleeps `sleep` seconds) → check
 * (fails when `fail` is true) → report (skipped after a failure); a loop over three items after prep;
 * and an exit task.
 */
const SPEC = {
  apiVersion: 'ferry.pipeline/v1',
  name: 'demo',
  description: 'UI end-to-end pipeline',
  parameters: {
    greeting: { schema: { type: 'string' }, default: 'hello' },
    fail: { schema: { type: 'boolean' }, default: false },
    sleep: { schema: { type: 'integer' }, default: 0 },
  },
  tasks: {
    prep: {
      component: command(
        'prep',
        `echo "prep says {{inputs.greeting}}"; echo '{"accuracy": 0.91, "loss": 0.25}' > {{outputs.metrics}}; echo '${CLASSIFICATION}' > {{outputs.classes}}; echo 0.91 > {{outputs.score}}`,
        { greeting: { kind: 'parameter', schema: { type: 'string' } } },
        {
          metrics: { kind: 'artifact', type: 'Metrics' },
          classes: { kind: 'artifact', type: 'ClassificationMetrics' },
          score: number,
        },
      ),
      arguments: { greeting: { parameter: 'greeting' } },
    },
    train: {
      component: command(
        'train',
        'echo "training from {{inputs.score}}"; sleep {{inputs.sleep}}; echo 0.93 > {{outputs.accuracy}}',
        { score: number, sleep: { kind: 'parameter', schema: { type: 'integer' } } },
        { accuracy: number },
      ),
      arguments: { score: { taskOutput: { task: 'prep', output: 'score' } }, sleep: { parameter: 'sleep' } },
    },
    loop: {
      component: command('item', 'echo "item {{inputs.x}}"', { x: { kind: 'parameter', schema: {} } }),
      arguments: { x: { loopItem: {} } },
      forEach: { items: { constant: [1, 2, 3] } },
      dependsOn: ['prep'],
    },
    sub: {
      component: {
        name: 'inner',
        inputs: { score: number },
        outputs: {},
        implementation: {
          pipeline: {
            apiVersion: 'ferry.pipeline/v1',
            name: 'inner',
            parameters: { score: { schema: { type: 'number' } } },
            tasks: {
              evaluate: {
                component: command('evaluate', 'echo "evaluating {{inputs.score}}"', { score: number }),
                arguments: { score: { parameter: 'score' } },
              },
            },
          },
        },
      },
      arguments: { score: { taskOutput: { task: 'prep', output: 'score' } } },
    },
    check: {
      component: command(
        'check',
        'echo checking; if [ "{{inputs.fail}}" = "true" ]; then echo "boom: check failed" >&2; exit 3; fi',
        { fail: { kind: 'parameter', schema: { type: 'boolean' } } },
      ),
      arguments: { fail: { parameter: 'fail' } },
      dependsOn: ['train'],
    },
    report: { component: command('report', 'echo report'), arguments: {}, dependsOn: ['check', 'loop'] },
    notify: {
      component: command('notify', 'echo "run {{inputs.status}}"', {
        status: { kind: 'parameter', schema: { type: 'string' } },
      }),
      arguments: { status: { runStatus: {} } },
    },
  },
  exitTask: 'notify',
};

interface WireRun {
  run_id: string;
  name: string;
  status: string;
}

describe('pipelines in Chromium: list, DAG with live task states, logs, cancel, compare', () => {
  let dir: string;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let call: ReturnType<typeof restClient>;
  let pipelineId: string;
  let okRun: string;
  let failedRun: string;
  let slowRun: string;
  const ferry = <T = Record<string, unknown>>(path: string, body?: unknown) =>
    call<T>('POST', `/api/2.0/ferry/pipelines/${path}`, body);
  const getRun = (runId: string) =>
    call<{ run: WireRun; tasks: { task_id: string; status: string }[] }>(
      'GET',
      `/api/2.0/ferry/pipelines/runs/get?run_id=${runId}`,
    );
  const startRun = async (name: string, parameters: Record<string, unknown>) =>
    (await ferry<{ run: WireRun }>('runs/create', { pipeline_id: pipelineId, name, parameters })).run.run_id;
  const waitForStatus = async (runId: string, statuses: string[]) => {
    const deadline = Date.now() + LONG;
    for (;;) {
      const { run } = await getRun(runId);
      if (statuses.includes(run.status)) return run.status;
      if (Date.now() > deadline) throw new Error(`run ${runId} is still ${run.status}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const node = (taskId: string, status?: string) =>
    page.locator(`[data-testid="dag-node-${taskId}"]${status ? `[data-status="${status}"]` : ''}`);

  beforeAll(async () => {
    ({ dir, server } = await startUiServer('ferry-web-pipelines-e2e-'));
    call = restClient(server.url);
    pipelineId = (
      await ferry<{ pipeline: { pipeline_id: string } }>('create', {
        name: 'demo',
        description: 'Prep, train, check',
      })
    ).pipeline.pipeline_id;
    await ferry('versions/create', { pipeline_id: pipelineId, spec: SPEC, description: 'first cut' });
    okRun = await startRun('ok-run', { greeting: 'hi' });
    failedRun = await startRun('failing-run', { greeting: 'hi', fail: true });
    expect(await waitForStatus(okRun, ['succeeded', 'failed', 'cancelled'])).toBe('succeeded');
    expect(await waitForStatus(failedRun, ['succeeded', 'failed', 'cancelled'])).toBe('failed');

    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
    page.setDefaultTimeout(15_000);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('lists the pipeline and its runs, filtered by status', async () => {
    await page.goto(`${server.url}/#/`);
    await page.locator('header.top nav').getByRole('link', { name: 'Pipelines' }).click();
    const row = page.getByTestId('pipelines').getByRole('row', { name: /demo/ });
    await row.waitFor();
    expect(await row.innerText()).toContain('Version 1');

    await page.getByRole('link', { name: 'Runs' }).click();
    const runs = page.getByTestId('pipeline-runs');
    await runs.locator(`tr[data-run-id="${okRun}"][data-status="succeeded"]`).waitFor();
    await runs.locator(`tr[data-run-id="${failedRun}"][data-status="failed"]`).waitFor();
    expect(await runs.getByRole('row').count()).toBe(3);

    await page.getByTestId('status-filter').getByLabel('Status failed').check();
    await runs.locator(`tr[data-run-id="${okRun}"]`).waitFor({ state: 'detached' });
    expect(await runs.locator('tbody tr').count()).toBe(1);
    expect(page.url()).toContain('status=failed');
    await page.getByTestId('status-filter').getByLabel('Status failed').uncheck();
    await runs.locator(`tr[data-run-id="${okRun}"]`).waitFor();
    await screenshot(page, 'pipeline-runs');
  });

  it('draws a succeeded run’s DAG, expands the loop and previews the task’s metrics', async () => {
    await page.goto(`${server.url}/#/pipeline-runs/${okRun}`);
    await page.getByTestId('run-status').and(page.locator('[data-status="succeeded"]')).waitFor();
    for (const task of ['prep', 'train', 'loop', 'sub', 'check', 'report', 'notify']) {
      await node(task, 'succeeded').waitFor();
    }
    expect(await node('loop').getAttribute('data-kind')).toBe('loop');
    expect(await node('loop').textContent()).toContain('×3');
    await page.getByTestId('dag-edge-prep->train').waitFor({ state: 'attached' });
    await page.getByTestId('dag-edge-check->report').waitFor({ state: 'attached' });
    await page.getByTestId('dag-edge-loop->report').waitFor({ state: 'attached' });

    await page.getByTestId('dag-toggle-loop').click();
    for (const i of [0, 1, 2]) await node(`loop/${i}`, 'succeeded').waitFor();
    expect(page.url()).toContain('expand=loop');
    expect(await node('sub').getAttribute('data-kind')).toBe('pipeline');
    await page.getByTestId('dag-toggle-sub').click();
    await node('sub/evaluate', 'succeeded').waitFor();

    await node('prep').getByRole('button', { name: 'Task prep' }).click();
    const panel = page.getByTestId('task-panel');
    await panel.waitFor();
    expect(await panel.getAttribute('data-status')).toBe('succeeded');
    await panel.getByTestId('task-log').getByText('prep says hi').waitFor();
    expect(await panel.getByTestId('task-outputs').innerText()).toContain('"score": 0.91');
    const metrics = panel.getByTestId('metrics-preview');
    await metrics.getByRole('row', { name: /accuracy\s+0.91/ }).waitFor();
    const classes = panel.getByTestId('output-classes');
    await classes.getByTestId('roc-curve').locator('canvas').waitFor();
    const matrix = classes.getByTestId('confusion-matrix');
    await matrix.getByRole('row', { name: /cat\s+41\s+9/ }).waitFor();
    await panel.getByTestId('task-tracking-run').waitFor();
    await classes.scrollIntoViewIfNeeded();
    await screenshot(page, 'pipeline-run');

    // The tracking run link opens the MLflow run of the pipeline run.
    await page.getByTestId('tracking-run-link').click();
    await page.getByTestId('overview').waitFor();
  });

  it('shows a failed run: the failed task, what was skipped, and the failing task’s log', async () => {
    await page.goto(`${server.url}/#/pipeline-runs/${failedRun}`);
    await page.getByTestId('run-status').and(page.locator('[data-status="failed"]')).waitFor();
    await node('check', 'failed').waitFor();
    await node('report', 'skipped').waitFor();
    await node('train', 'succeeded').waitFor();
    await node('notify', 'succeeded').waitFor();
    await page.getByTestId('run-error').waitFor();
    await page.getByRole('button', { name: 'Retry' }).waitFor();

    await node('check').getByRole('button', { name: 'Task check' }).click();
    const panel = page.getByTestId('task-panel');
    await panel.getByTestId('task-error').waitFor();
    const log = panel.getByTestId('task-log');
    await log.getByText('boom: check failed').waitFor();
    expect(await log.innerText()).toContain('checking');
    expect(page.url()).toContain('task=check');
    await screenshot(page, 'pipeline-run-failed');
  });

  it('follows a long-running run live and cancels it from the UI', async () => {
    slowRun = await startRun('slow-run', { sleep: 600 });
    await page.goto(`${server.url}/#/pipeline-runs/${slowRun}`);
    // Task states change on screen as the run goes on (the page polls runs/get).
    await node('train', 'running').waitFor({ timeout: LONG });
    await node('prep', 'succeeded').waitFor();
    await node('train').getByRole('button', { name: 'Task train' }).click();
    await page.getByTestId('task-log').getByText('training from 0.91').waitFor({ timeout: LONG });

    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    await page
      .getByTestId('run-status')
      .and(page.locator('[data-status="cancelled"]'))
      .waitFor({ timeout: LONG });
    await node('train', 'cancelled').waitFor();
    await node('notify', 'succeeded').waitFor();
    expect((await getRun(slowRun)).run.status).toBe('cancelled');
    await page.getByRole('button', { name: 'Retry' }).waitFor();
  });

  it('compares two runs selected in the list, highlighting the parameter that differs', async () => {
    await page.goto(`${server.url}/#/pipelines?tab=runs`);
    const runs = page.getByTestId('pipeline-runs');
    await runs.getByLabel('Select ok-run').check();
    await runs.getByLabel('Select failing-run').check();
    await page.getByRole('button', { name: /^Compare/ }).click();
    const fail = page.getByTestId('param-row-fail');
    await fail.waitFor();
    expect(page.url()).toContain(`ids=`);
    expect(await fail.getAttribute('data-differs')).toBe('true');
    expect(await fail.getAttribute('class')).toContain('differs');
    expect(await fail.innerText()).toMatch(/false\s+true/);
    expect(await page.getByTestId('param-row-greeting').getAttribute('data-differs')).toBe('false');
    const check = page.getByTestId('task-row-check');
    expect(
      await check
        .locator('[data-status]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-status'))),
    ).toEqual(['succeeded', 'failed']);
    await page.getByTestId('output-row-train.accuracy').waitFor();
    await screenshot(page, 'pipeline-compare');
  });

  it('starts a run from the pipeline page with the parameters form', async () => {
    await page.goto(`${server.url}/#/pipelines/${pipelineId}`);
    await page.getByTestId('versions').getByText('first cut').waitFor();
    await node('loop').waitFor();
    await screenshot(page, 'pipeline-page');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const form = page.getByTestId('run-form');
    expect(await form.getByLabel('greeting').inputValue()).toBe('hello');
    expect(await form.getByLabel('sleep').inputValue()).toBe('0');
    expect(await form.getByLabel('Experiment ID').inputValue()).toBe('0');
    await form.getByLabel('greeting').fill('from the form');
    await form.getByRole('button', { name: 'Start run' }).click();
    await page.waitForURL(/#\/pipeline-runs\/[0-9a-f]{32}$/);
    await page
      .getByTestId('run-status')
      .and(page.locator('[data-status="succeeded"]'))
      .waitFor({ timeout: LONG });
    expect(await page.getByTestId('run-parameters').innerText()).toContain('from the form');
    const runId = page.url().split('/').pop()!;
    const { run } = await getRun(runId);
    expect(run.status).toBe('succeeded');
  });
});

import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '@ferry/server';
import { launchChromium, restClient, startUiServer } from './e2e-support.js';

/**
 * The runs table's filter completion, duration sort, grouping and wide (column-virtualised) layout, and
 * the run page's child runs, in Chromium against a real server.
 */
describe('runs table features in Chromium', () => {
  let dir: string;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let api: (path: string, body?: unknown) => Promise<Record<string, unknown>>;
  let mainId: string;
  let wideId: string;
  let bigId: string;
  let parentId: string;
  const childIds: string[] = [];
  const T0 = Date.UTC(2025, 0, 1);

  const rows = () => page.locator('[data-testid=run-row]');
  const groupHeaders = () => page.getByTestId('group-header');
  const hashQuery = () => new URLSearchParams(new URL(page.url()).hash.split('?')[1] ?? '');
  const runCount = () => page.getByTestId('run-count').innerText();
  const filterBox = () => page.getByRole('combobox', { name: 'Filter runs' });
  const listbox = () => page.getByRole('listbox', { name: 'Filter completions' });
  const runName = (i: number) => `run-${String(i).padStart(2, '0')}`;

  const createExperiment = async (name: string) =>
    (await api('experiments/create', { name })).experiment_id as string;
  const createRun = async (experimentId: string, body: Record<string, unknown>) =>
    (
      (await api('runs/create', { experiment_id: experimentId, ...body })) as {
        run: { info: { run_id: string } };
      }
    ).run.info.run_id;

  beforeAll(async () => {
    ({ dir, server } = await startUiServer('ferry-runs-e2e-'));
    const call = restClient(server.url);
    api = (path, body) => call('POST', `/api/2.0/mlflow/${path}`, body);

    // 12 runs: run-i lasts (i + 1) seconds, except run-11 which is still running. Params `model` is tree
    // for even i < 8, linear for odd i < 8 and missing from 8 on.
    mainId = await createExperiment('features');
    for (let i = 0; i < 12; i++) {
      const runId = await createRun(mainId, { run_name: runName(i), start_time: T0 + i * 60_000 });
      await api('runs/log-batch', {
        run_id: runId,
        params: i < 8 ? [{ key: 'model', value: i % 2 ? 'linear' : 'tree' }] : [],
        metrics: [
          { key: 'acc', value: i / 10, timestamp: T0, step: 0 },
          { key: 'my metric', value: i, timestamp: T0, step: 0 },
        ],
      });
      if (i < 11) {
        await api('runs/update', {
          run_id: runId,
          status: 'FINISHED',
          end_time: T0 + i * 60_000 + (i + 1) * 1000,
        });
      }
    }

    // A parent with three children, nested as MLflow nests runs.
    parentId = await createRun(mainId, { run_name: 'parent', start_time: T0 - 10_000 });
    for (let i = 0; i < 3; i++) {
      childIds.push(
        await createRun(mainId, {
          run_name: `child-${i}`,
          start_time: T0 - 9_000 + i,
          tags: [{ key: 'mlflow.parentRunId', value: parentId }],
        }),
      );
    }
    await api('runs/update', { run_id: childIds[0], status: 'FAILED', end_time: T0 });

    // Five runs of 300 metrics each.
    wideId = await createExperiment('wide');
    for (let i = 0; i < 5; i++) {
      const runId = await createRun(wideId, { run_name: `wide-${i}`, start_time: T0 + i });
      await api('runs/log-batch', {
        run_id: runId,
        metrics: Array.from({ length: 300 }, (_, k) => ({
          key: `m_${String(k).padStart(3, '0')}`,
          value: k + i,
          timestamp: T0,
          step: 0,
        })),
      });
    }

    // 600 runs in three shards: more than the table's first page.
    bigId = await createExperiment('sharded');
    for (let i = 0; i < 600; i++) {
      await createRun(bigId, {
        run_name: `s-${i}`,
        start_time: T0 + i,
        tags: [{ key: 'shard', value: `s${i % 3}` }],
      });
    }

    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('completes entity prefixes and keys in the filter box, from the keyboard', async () => {
    await page.goto(`${server.url}/#/experiments/${mainId}`);
    await expect.poll(runCount).toBe('16 runs');
    const input = filterBox();
    await input.click();
    await input.pressSequentially('me');
    await listbox().waitFor();
    expect(await input.getAttribute('aria-expanded')).toBe('true');
    expect(await listbox().getByRole('option').allInnerTexts()).toEqual(['metrics.']);
    expect(await input.getAttribute('aria-activedescendant')).toBeNull();

    await input.press('ArrowDown');
    const active = await input.getAttribute('aria-activedescendant');
    expect(active).toBeTruthy();
    expect(await page.locator(`[id="${active}"]`).getAttribute('aria-selected')).toBe('true');
    await input.press('Enter');
    await expect.poll(() => input.inputValue()).toBe('metrics.');
    // The keys of the loaded runs follow the prefix.
    await expect
      .poll(() => listbox().getByRole('option').allInnerTexts())
      .toEqual(['metrics.acc', 'metrics.`my metric`']);

    // A key that needs quoting goes in with backticks; Tab takes the first match.
    await input.pressSequentially('my');
    await expect.poll(() => listbox().getByRole('option').allInnerTexts()).toEqual(['metrics.`my metric`']);
    await input.press('Tab');
    await expect.poll(() => input.inputValue()).toBe('metrics.`my metric` ');
    await expect.poll(() => listbox().isHidden()).toBe(true);

    // Values get no completion; after `and` prefixes come back, and Escape closes the list.
    await input.pressSequentially('>= 9 and p');
    await expect.poll(() => listbox().getByRole('option').allInnerTexts()).toEqual(['params.']);
    await input.press('Escape');
    await expect.poll(() => listbox().isHidden()).toBe(true);
    expect(await input.getAttribute('aria-expanded')).toBe('false');
    await input.press('ArrowDown');
    await listbox().waitFor();
    await input.press('ArrowDown');
    await input.press('Enter');
    await input.pressSequentially('mo');
    await input.press('ArrowDown');
    await input.press('Enter');
    await expect.poll(() => input.inputValue()).toBe('metrics.`my metric` >= 9 and params.model ');
    await input.pressSequentially("= 'linear'");
    expect(await listbox().isHidden()).toBe(true);

    // Enter with nothing highlighted searches. The runs with `my metric` >= 9 have no model param.
    await input.press('Enter');
    expect(hashQuery().get('filter')).toBe("metrics.`my metric` >= 9 and params.model = 'linear'");
    await expect.poll(runCount).toBe('0 runs');
    await input.fill('metrics.`my metric` >= 9');
    await input.press('Enter');
    await expect.poll(runCount).toBe('3 runs');
  });

  it('sorts by duration on the server, with running runs last both ways', async () => {
    await page.goto(
      `${server.url}/#/experiments/${mainId}?filter=${encodeURIComponent("attributes.run_name LIKE 'run-%'")}`,
    );
    await expect.poll(runCount).toBe('12 runs');
    await page.getByRole('columnheader', { name: 'Duration' }).click();
    await expect.poll(() => rows().first().innerText()).toContain('run-10');
    expect([hashQuery().get('sort'), hashQuery().get('dir')]).toEqual(['attr:duration', 'desc']);
    expect(await rows().first().innerText()).toContain('11.0s');
    expect(await rows().last().innerText()).toContain('run-11');

    await page.getByRole('columnheader', { name: /Duration/ }).click();
    await expect.poll(() => rows().first().innerText()).toContain('run-00');
    expect(hashQuery().get('dir')).toBe('asc');
    const names = (await rows().allInnerTexts()).map((text) => /run-\d\d/.exec(text)?.[0]);
    expect(names).toEqual(Array.from({ length: 12 }, (_, i) => runName(i)));
  });

  it('groups runs by a param under collapsible headers, kept in the URL', async () => {
    await page.goto(
      `${server.url}/#/experiments/${mainId}?filter=${encodeURIComponent("attributes.run_name LIKE 'run-%'")}`,
    );
    await expect.poll(runCount).toBe('12 runs');
    await page.getByLabel('Group by').selectOption('param:model');
    expect(hashQuery().get('group')).toBe('param:model');
    await expect
      .poll(() => groupHeaders().allInnerTexts())
      .toEqual(['▼ model = linear 4 runs', '▼ model = tree 4 runs', '▼ model = (none) 4 runs']);
    expect(await page.getByTestId('group-note').innerText()).toContain('all 12 runs loaded');
    expect(await rows().count()).toBe(12);
    // Runs keep the table's sort (start time, newest first) inside their group.
    const names = (await rows().allInnerTexts()).map((text) => /run-\d\d/.exec(text)?.[0]);
    expect(names).toEqual([7, 5, 3, 1, 6, 4, 2, 0, 11, 10, 9, 8].map(runName));

    await groupHeaders().filter({ hasText: 'tree' }).getByRole('button').click();
    await expect.poll(() => rows().count()).toBe(8);
    const tree = groupHeaders().filter({ hasText: 'tree' }).getByRole('button');
    expect(await tree.getAttribute('aria-expanded')).toBe('false');
    expect((await rows().allInnerTexts()).some((t) => t.includes('run-06'))).toBe(false);
    await tree.click();
    await expect.poll(() => rows().count()).toBe(12);

    // The grouping survives a reload from the URL.
    await page.reload();
    await expect.poll(() => groupHeaders().count()).toBe(3);
    await page.getByLabel('Group by').selectOption('');
    await expect.poll(() => groupHeaders().count()).toBe(0);
    expect(hashQuery().get('group')).toBeNull();
  });

  it('says when groups cover only the loaded runs, and loads them all on demand', async () => {
    await page.goto(`${server.url}/#/experiments/${bigId}?group=tag%3Ashard`);
    await expect.poll(runCount).toBe('250+ runs');
    const note = page.getByTestId('group-note');
    expect(await note.innerText()).toContain('Groups cover the 250 runs loaded so far');
    expect(await groupHeaders().first().innerText()).toMatch(/shard = s0 \d+ runs loaded/);
    await note.getByRole('button', { name: 'Load all runs' }).click();
    await expect.poll(runCount).toBe('600 runs');
    await expect.poll(() => note.innerText()).toContain('all 600 runs loaded');
    expect(await rows().count()).toBeLessThan(80);
    // Only the rows in view exist: collapse the first groups to bring the next headers up.
    await groupHeaders().filter({ hasText: 's0' }).getByRole('button').click();
    await groupHeaders().filter({ hasText: 's1' }).getByRole('button').click();
    await expect
      .poll(() => groupHeaders().allInnerTexts())
      .toEqual(['▶ shard = s0 200 runs', '▶ shard = s1 200 runs', '▼ shard = s2 200 runs']);
  });

  it('chooses 300 metric columns at once and renders only the columns in view', async () => {
    await page.goto(`${server.url}/#/experiments/${wideId}`);
    await expect.poll(runCount).toBe('5 runs');
    await page.getByText('Columns').click();
    const chooser = page.getByTestId('column-chooser');
    await chooser.getByLabel('Search columns').fill('m_2');
    expect(await chooser.getByRole('checkbox').count()).toBe(100);
    await chooser.getByLabel('Search columns').fill('m_');
    await chooser.getByRole('button', { name: 'Select all matching (300)' }).click();
    await expect.poll(() => hashQuery().getAll('col').length).toBe(300);
    expect(await chooser.getByRole('button', { name: /Select all matching/ }).isDisabled()).toBe(true);
    await page.getByText('Columns').click();

    const headers = page.getByRole('columnheader');
    // 6 attribute + 300 metric columns, yet only those in view (and a few either side) are in the page.
    expect(await headers.count()).toBeLessThan(30);
    expect(await rows().first().locator('[role=cell]').count()).toBeLessThan(30);
    expect(await page.getByRole('columnheader', { name: 'm_299' }).count()).toBe(0);
    const table = page.getByTestId('runs-table');
    await table.evaluate((el) => el.scrollTo(el.scrollWidth, 0));
    await page.getByRole('columnheader', { name: 'm_299' }).waitFor();
    expect(await headers.count()).toBeLessThan(30);
    expect(await rows().first().innerText()).toContain('303');

    // Clearing the matching keys drops them all.
    await page.getByText('Columns').click();
    await chooser.getByRole('button', { name: 'Clear matching' }).click();
    await expect.poll(() => hashQuery().getAll('col').length).toBe(0);
  });

  it("lists a run's child runs with status and start time, linking to them", async () => {
    await page.goto(`${server.url}/#/experiments/${mainId}/runs/${parentId}`);
    const section = page.getByTestId('child-runs');
    await section.getByRole('link', { name: 'child-2' }).waitFor();
    expect(await section.getByRole('link').allInnerTexts()).toEqual([
      'child-2',
      'child-1',
      'child-0',
      'Open in the runs table',
    ]);
    const failed = section.getByRole('row').filter({ hasText: 'child-0' });
    expect(await failed.innerText()).toContain('FAILED');
    expect(await section.getByRole('row').filter({ hasText: 'child-1' }).innerText()).toContain('RUNNING');
    expect(await failed.innerText()).toMatch(/2024|2025/);
    await section.getByRole('link', { name: 'child-1' }).click();
    await page.getByRole('heading', { name: 'child-1' }).waitFor();
    expect(page.url()).toContain(`#/experiments/${mainId}/runs/${childIds[1]}`);
    // The child's overview links back to its parent; a run without children has no such section.
    await page.getByTestId('overview').getByRole('link', { name: parentId }).waitFor();
    await expect.poll(() => page.getByTestId('child-runs').count()).toBe(0);
  });
});

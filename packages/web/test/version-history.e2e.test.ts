import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '@ferry/server';
import { launchChromium, restClient, screenshot, startUiServer } from './e2e-support.js';

describe('model version history in Chromium: changes made on the page show up in its History', () => {
  let dir: string;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let call: ReturnType<typeof restClient>;
  const api = <T = Record<string, unknown>>(path: string, body?: unknown) =>
    call<T>('POST', `/api/2.0/mlflow/${path}`, body);

  /** The History rows, top to bottom, as "change | who". */
  const historyRows = (): Promise<string[]> =>
    page
      .getByTestId('version-history')
      .locator('tbody tr')
      .evaluateAll((rows) =>
        rows.map((r) => {
          const cells = [...r.querySelectorAll('td')].map((td) => td.textContent ?? '');
          return `${cells[1]} | ${cells[2]}`;
        }),
      );

  beforeAll(async () => {
    ({ dir, server } = await startUiServer('ferry-web-history-e2e-'));
    call = restClient(server.url);
    await api('registered-models/create', { name: 'churn' });
    await api('model-versions/create', { name: 'churn', source: 's3://bucket/churn/1' });
    await api('model-versions/create', { name: 'churn', source: 's3://bucket/churn/2' });
    // Version 1 starts in Production, so promoting version 2 with archiving archives it.
    await api('model-versions/transition-stage', { name: 'churn', version: '1', stage: 'Production' });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.setDefaultTimeout(10_000);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('lists the creation of a new version', async () => {
    await page.goto(`${server.url}/#/models/churn/versions/2`);
    const history = page.getByTestId('version-history');
    await history.getByRole('heading', { name: 'History' }).waitFor();
    await history.getByText('Version created').waitFor();
    expect(await historyRows()).toEqual(['Version created | —']);
  });

  it('adds stage transitions and alias changes made on the page, newest first', async () => {
    const card = page.getByTestId('version');
    await card.getByLabel('New stage').selectOption('Production');
    await card.getByLabel(/Archive existing/).check();
    await card.getByRole('button', { name: 'Transition' }).click();
    const history = page.getByTestId('version-history');
    await history.getByText('Stage None → Production').waitFor();

    await card.getByLabel('New alias').fill('champion');
    await card.getByRole('button', { name: 'Set alias' }).click();
    await history.getByText('Alias @champion set').waitFor();

    expect(await historyRows()).toEqual([
      'Alias @champion set | —',
      'Stage None → Production | —',
      'Version created | —',
    ]);
    await screenshot(page, 'model-version-history');
  });

  it('shows on the archived version that it was archived, and that the alias left it', async () => {
    await api('registered-models/alias', { name: 'churn', alias: 'stable', version: '1' });
    await api('registered-models/alias', { name: 'churn', alias: 'stable', version: '2' });
    await page.goto(`${server.url}/#/models/churn/versions/1`);
    const history = page.getByTestId('version-history');
    await history.getByText('Alias @stable removed').waitFor();
    expect(await historyRows()).toEqual([
      'Alias @stable removed | —',
      'Alias @stable set | —',
      'Stage Production → Archived | —',
      'Stage None → Production | —',
      'Version created | —',
    ]);
  });

  it('keeps the history when the model is renamed', async () => {
    await api('registered-models/rename', { name: 'churn', new_name: 'churn-v2' });
    await page.goto(`${server.url}/#/models/churn-v2/versions/2`);
    const history = page.getByTestId('version-history');
    await history.getByText('Alias @stable set').waitFor();
    expect((await historyRows()).length).toBe(4);
  });
});

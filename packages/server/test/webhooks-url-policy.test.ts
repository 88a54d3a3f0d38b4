import { afterEach, describe, expect, it } from 'vitest';
import { isGlobalAddress } from '../src/webhooks/index.js';
import { MV_CREATED, call, expectError, openHarness } from './helpers/webhook-harness.js';

// Which webhook URLs the server accepts, and its answer when webhooks are off.

describe('webhook URL policy', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it('refuses private addresses unless allowed, and plain http by default (as MLflow)', async () => {
    const strict = await openHarness('sqlite', { allowPrivateIps: false, allowedSchemes: ['https', 'http'] });
    cleanups.push(() => strict.cleanup());
    const body = (url: string) => ({ name: 'hook', url, events: [MV_CREATED] });
    for (const [url, address] of [
      ['http://127.0.0.1:9/x', '127.0.0.1'],
      ['http://10.1.2.3/x', '10.1.2.3'],
      ['http://169.254.169.254/latest/meta-data', '169.254.169.254'],
      ['http://[::1]/x', '::1'],
      ['http://[::ffff:192.168.0.1]/x', '::ffff:c0a8:1'],
    ]) {
      const host = new URL(url!).hostname.replace(/^\[|\]$/g, '');
      expectError(
        await call(strict.app, 'POST', '/webhooks', body(url!)),
        400,
        'INVALID_PARAMETER_VALUE',
        `Webhook URL must not resolve to a non-public IP address. '${host}' resolves to ${address === '::ffff:c0a8:1' ? host : address}.`,
      );
    }
    expectError(
      await call(strict.app, 'POST', '/webhooks', body('http://localhost:9/x')),
      400,
      'INVALID_PARAMETER_VALUE',
      /^Webhook URL must not resolve to a non-public IP address\. 'localhost' resolves to /,
    );

    // Without a dispatcher, saved URLs follow MLflow's defaults: https only, public addresses only.
    const defaults = await openHarness('sqlite', { withoutDispatcher: true });
    cleanups.push(() => defaults.cleanup());
    expectError(
      await call(defaults.app, 'POST', '/webhooks', body('http://8.8.8.8/x')),
      400,
      'INVALID_PARAMETER_VALUE',
      "Invalid webhook URL scheme: 'http'. Allowed schemes are: https.",
    );
    expect((await call(defaults.app, 'POST', '/webhooks', body('https://8.8.8.8/x'))).status).toBe(200);
    expectError(
      await call(defaults.app, 'POST', '/webhooks/whatever/test'),
      501,
      'NOT_IMPLEMENTED',
      /FEATURE_DISABLED/,
    );
  });

  it('classifies addresses as Python’s is_global does', () => {
    for (const address of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
      expect(isGlobalAddress(address), address).toBe(true);
    }
    for (const address of [
      '127.0.0.1',
      '0.0.0.0',
      '10.0.0.1',
      '100.64.0.1',
      '172.16.5.4',
      '192.168.1.1',
      '169.254.169.254',
      '198.18.0.1',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      'fe80::1',
      'fd00::1',
      '2001:db8::1',
      '::ffff:127.0.0.1',
      'not-an-ip',
    ]) {
      expect(isGlobalAddress(address), address).toBe(false);
    }
  });

  it('answers 501 when the server runs without webhooks', async () => {
    const off = await openHarness('sqlite', { withoutWebhooks: true });
    cleanups.push(() => off.cleanup());
    for (const [method, path] of [
      ['POST', '/webhooks'],
      ['GET', '/webhooks'],
      ['GET', '/webhooks/x'],
      ['PATCH', '/webhooks/x'],
      ['DELETE', '/webhooks/x'],
      ['POST', '/webhooks/x/test'],
    ] as const) {
      expectError(
        await call(off.app, method, path, method === 'GET' || method === 'DELETE' ? undefined : {}),
        501,
        'NOT_IMPLEMENTED',
        /disabled/,
      );
    }
  });
});

// What every `ferry models` subcommand shares: its options type, the registry client, small formatters.
import type { Tag } from '@ferry/core';
import { RegistryClient } from '@ferry/sdk';
import type { TrackingSession } from '@ferry/sdk';
import type { OutputOptions } from '../../output.js';

export type Opts = OutputOptions & { trackingUri?: string };

export const registryOf = (s: TrackingSession) => new RegistryClient(s.client);

export const positiveInteger =
  (what: string) =>
  (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`invalid ${what} '${v}': use a whole number above 0`);
    return n;
  };

export const pairs = (list: Tag[] | undefined): Record<string, string> | string =>
  list?.length ? Object.fromEntries(list.map((t) => [t.key, t.value])) : '(none)';

export const target = (name: string, version: string | undefined): string =>
  version !== undefined ? `version ${version} of '${name}'` : `registered model '${name}'`;

import { lookup as dnsLookup } from 'node:dns';
import type { LookupAddress, LookupAllOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import type { LookupFunction } from 'node:net';
import { invalidParam } from '@ferry/core';
import { validateWebhookUrlForm } from '@ferry/store';

/**
 * Addresses that are not globally reachable (Python's `ip_address(...).is_global` is false), which
 * webhooks must not reach unless private addresses are allowed: loopback, private, shared, link-local
 * (cloud metadata), documentation, benchmarking, reserved, multicast. IPv4-mapped IPv6 addresses
 * are checked against the IPv4 ranges by the block list itself.
 */
const NON_GLOBAL = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  NON_GLOBAL.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['3fff::', 20],
  ['5f00::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  NON_GLOBAL.addSubnet(network, prefix, 'ipv6');
}

/** True for an address anyone on the internet could reach. */
export function isGlobalAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return !NON_GLOBAL.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

function resolveAll(hostname: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true } satisfies LookupAllOptions, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    );
  });
}

function nonPublic(hostname: string, address: string) {
  return invalidParam(
    `Webhook URL must not resolve to a non-public IP address. '${hostname}' resolves to ${address}.`,
  );
}

export interface WebhookUrlPolicyOptions {
  allowPrivateIps: boolean;
  allowedSchemes: readonly string[];
}

/**
 * Which URLs webhooks may call, checked when a webhook is saved and again before every request, as
 * MLflow does; the `lookup` it hands to the HTTP client re-checks the addresses actually connected
 * to, so a name that resolves differently the second time (DNS rebinding) gains nothing.
 */
export class WebhookUrlPolicy {
  constructor(private readonly options: WebhookUrlPolicyOptions) {}

  /** The parsed URL; throws INVALID_PARAMETER_VALUE with MLflow's messages when it may not be called. */
  async validate(url: string): Promise<URL> {
    const parsed = validateWebhookUrlForm(url, this.options.allowedSchemes);
    if (this.options.allowPrivateIps) return parsed;
    const hostname = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
    let addresses: string[];
    if (isIP(hostname) !== 0) {
      addresses = [hostname];
    } else {
      try {
        addresses = (await resolveAll(hostname)).map((a) => a.address);
      } catch (error) {
        throw invalidParam(`Cannot resolve webhook URL hostname '${hostname}': ${(error as Error).message}`);
      }
    }
    for (const address of addresses) {
      if (!isGlobalAddress(address)) throw nonPublic(hostname, address);
    }
    return parsed;
  }

  /** A DNS lookup for `http.request` that refuses non-public addresses unless they are allowed. */
  get lookup(): LookupFunction | undefined {
    if (this.options.allowPrivateIps) return undefined;
    return (hostname, options, callback) => {
      dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
        if (error) return callback(error, '', 0);
        const refused = addresses.find((a) => !isGlobalAddress(a.address));
        if (refused) return callback(nonPublic(hostname, refused.address), '', 0);
        if (options.all) return (callback as (e: null, a: LookupAddress[]) => void)(null, addresses);
        const first = addresses[0];
        if (!first)
          return callback(
            Object.assign(new Error(`No address for ${hostname}`), { code: 'ENOTFOUND' }),
            '',
            0,
          );
        callback(null, first.address, first.family);
      });
    };
  }
}

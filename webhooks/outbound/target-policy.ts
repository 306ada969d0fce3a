/**
 * Which outbound target URLs a tenant may use. Loopback, private, link-local,
 * shared (CGNAT), multicast and reserved addresses are refused unless the
 * tenant opted in (n8n on the same host is the usual reason). This is the
 * early check on the URL text; the sender re-checks every resolved address at
 * connect time (request-filtering-agent), so DNS names pointing inside and
 * DNS rebinding are caught too.
 */
import { BlockList, isIP } from 'node:net';

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24],
  ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['2001:db8::', 32], ['64:ff9b::', 96]] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

/** True when the literal address is not a public unicast address. */
export function isNonPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return blocked.check(mapped[1], 'ipv4');
    return blocked.check(address, 'ipv6');
  }
  return false;
}

export type TargetVerdict = { ok: true; url: URL } | { ok: false; reason: string };

export function checkTargetUrl(text: string, allowPrivate: boolean): TargetVerdict {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, reason: 'is not a valid URL' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, reason: 'must use http or https' };
  if (url.username || url.password) return { ok: false, reason: 'must not contain credentials' };
  if (url.hash) return { ok: false, reason: 'must not contain a fragment' };
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (!host) return { ok: false, reason: 'has no host' };
  if (allowPrivate) return { ok: true, url };
  if (host === 'localhost' || host.endsWith('.localhost') || isNonPublicAddress(host)) {
    return { ok: false, reason: 'points to a loopback or private address (enable allowPrivateTargets in /api/v1/webhook-settings to allow it)' };
  }
  return { ok: true, url };
}

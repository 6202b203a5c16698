/**
 * IP addresses as subtensor stores them in `AxonInfo.ip`: the address's integer value in a u128
 * (IPv4 a.b.c.d → (a<<24)|(b<<16)|(c<<8)|d; IPv6 → its 128-bit big-endian value), which is what the
 * Python SDK sends (`int(netaddr.IPAddress(s))`). `ip_type` says which family the integer is.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { UsageError } from '../errors.js';

export type IpType = 4 | 6;

export function ipType(ip: string): IpType {
  if (isIPv4(ip)) return 4;
  if (isIPv6(ip)) return 6;
  throw new UsageError(`"${ip}" is not an IPv4 or IPv6 address`, { code: 'E_BAD_IP', hint: 'give a dotted IPv4 (203.0.113.7) or an IPv6 address' });
}

function ipv4ToBigInt(ip: string): bigint {
  return ip.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function ipv6ToBigInt(ip: string): bigint {
  let text = ip.split('%')[0]!;
  // An embedded IPv4 tail (::ffff:1.2.3.4) is two groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = ipv4ToBigInt(v4[1]!);
    text = text.slice(0, -v4[1]!.length) + ((n >> 16n) & 0xffffn).toString(16) + ':' + (n & 0xffffn).toString(16);
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail === undefined ? [] : tail ? tail.split(':') : [];
  const fill = tail === undefined ? 0 : 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(fill).fill('0'), ...tailGroups];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** The integer subtensor stores for an address, and its `ip_type`. */
export function ipToU128(ip: string): { ip: bigint; ipType: IpType } {
  const type = ipType(ip);
  return { ip: type === 4 ? ipv4ToBigInt(ip) : ipv6ToBigInt(ip), ipType: type };
}

const U128_MAX = (1n << 128n) - 1n;

/** The text form of a stored address: dotted IPv4, or RFC 5952 IPv6 (lower case, longest zero run as ::). */
export function u128ToIp(value: bigint | number | string, type: IpType | number): string {
  const n = BigInt(value);
  if (n < 0n || n > U128_MAX) throw new RangeError(`ip integer ${n} is outside u128`);
  if (type === 4) {
    if (n > 0xffffffffn) throw new RangeError(`ip integer ${n} is too large for IPv4`);
    return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 0xffn)).join('.');
  }
  if (type !== 6) throw new RangeError(`ip_type ${type} is neither 4 nor 6`);
  const groups = [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((s) => Number((n >> s) & 0xffffn));
  // Longest run of at least two zero groups, first one on ties.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/**
 * Whether the axon on chain already points where the miner listens: same family, address and port,
 * however the address was written (`2001:DB8:0::7` is `2001:db8::7`). A miner serves only when not, so
 * it never spends the serving rate limit re-publishing what is already there.
 */
export function sameEndpoint(onChain: { ip: string; port: number } | undefined, wanted: { ip: string; port: number }): boolean {
  if (!onChain || onChain.port !== wanted.port) return false;
  try {
    const a = ipToU128(onChain.ip);
    const b = ipToU128(wanted.ip);
    return a.ip === b.ip && a.ipType === b.ipType;
  } catch {
    return false;
  }
}

/**
 * Who may hold a connection to the axon (docs/protocol.md §16.8). A socket is unauthenticated from TCP
 * accept until one of its requests is admitted (signature checked, a permitted validator); strangers
 * live in a small budget of their own and never touch the capacity kept for validators:
 *
 *   - at most `maxUnauthenticated` unauthenticated sockets, and `maxUnauthenticatedPerAddress` from one
 *     address (an IPv6 address counts by its /64, which one host is usually given whole);
 *   - when the budget is full, a newcomer takes the place of the oldest socket from an address already
 *     cut off once (evicted, or unauthenticated past the deadline: remembered for `strikeMs`); a newcomer
 *     from such an address is refused instead; when no socket in the budget has a strike, the newcomer
 *     evicts the oldest. So an address that keeps reconnecting churns only its own kind, and a
 *     validator dialling for the first time is never pushed out by it;
 *   - authenticated connections count against `maxConnections` and `maxConnectionsPerAddress`.
 *
 * Bookkeeping only, free of I/O: the axon closes what this says to close.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { LRUCache } from 'lru-cache';

export interface AdmissionLimits {
  /** Authenticated (validator) connections in all. */
  maxConnections: number;
  /** Authenticated connections from one address. */
  maxConnectionsPerAddress: number;
  maxUnauthenticated: number;
  maxUnauthenticatedPerAddress: number;
  /** How long an address cut off while unauthenticated gives way to others. */
  strikeMs: number;
}

/** One remote address as the budgets count it: IPv4 (also IPv4-mapped IPv6) whole, IPv6 by its /64. */
export function addressKey(remote: string | undefined): string {
  if (!remote) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remote);
  if (mapped && isIPv4(mapped[1]!)) return mapped[1]!;
  if (!isIPv6(remote)) return remote;
  // Expand "::" so the first four groups are the /64.
  const [head, tail = ''] = remote.split('%')[0]!.split('::') as [string, string?];
  const left = head ? head.split(':') : [];
  const right = remote.includes('::') ? (tail ? tail.split(':') : []) : [];
  // A dotted IPv4 tail (::ffff:0:1.2.3.4, 64:ff9b::1.2.3.4) fills the last two groups.
  const width = (groups: string[]): number => groups.length + (groups.at(-1)?.includes('.') ? 1 : 0);
  const groups = [...left, ...Array(Math.max(0, 8 - width(left) - width(right))).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

export type Arrival<S> = { ok: true; evict?: S } | { ok: false; reason: string };
export type Authentication = { ok: true } | { ok: false; reason: string };

export class ConnectionBudget<S> {
  /** Unauthenticated sockets, oldest first, with their address key. */
  private readonly unauthenticated = new Map<S, string>();
  private readonly authenticated = new Map<S, string>();
  private readonly unauthenticatedFrom = new Map<string, number>();
  private readonly authenticatedFrom = new Map<string, number>();
  private readonly strikes: LRUCache<string, true>;

  constructor(private readonly limits: AdmissionLimits) {
    this.strikes = new LRUCache({ max: 4096, ttl: limits.strikeMs, ttlAutopurge: false });
  }

  get unauthenticatedCount(): number {
    return this.unauthenticated.size;
  }

  get authenticatedCount(): number {
    return this.authenticated.size;
  }

  /** A new socket from `key`: accepted (possibly in place of `evict`, already forgotten here) or refused. */
  arrive(socket: S, key: string): Arrival<S> {
    if ((this.unauthenticatedFrom.get(key) ?? 0) >= this.limits.maxUnauthenticatedPerAddress) {
      return { ok: false, reason: `${this.limits.maxUnauthenticatedPerAddress} unauthenticated connections from ${key}` };
    }
    let evict: S | undefined;
    if (this.unauthenticated.size >= this.limits.maxUnauthenticated) {
      evict = this.oldest((k) => this.strikes.has(k));
      if (evict === undefined) {
        if (this.strikes.has(key)) return { ok: false, reason: `${this.limits.maxUnauthenticated} unauthenticated connections` };
        evict = this.oldest(() => true);
      }
      this.cutOff(evict!);
    }
    this.unauthenticated.set(socket, key);
    bump(this.unauthenticatedFrom, key, 1);
    return evict === undefined ? { ok: true } : { ok: true, evict };
  }

  /** The socket's sender was admitted: it moves to the validators' capacity, if there is room. */
  authenticate(socket: S): Authentication {
    const key = this.unauthenticated.get(socket);
    if (key === undefined) return this.authenticated.has(socket) ? { ok: true } : { ok: false, reason: 'the connection was already cut off unauthenticated' };
    if (this.authenticated.size >= this.limits.maxConnections) return { ok: false, reason: `${this.limits.maxConnections} validator connections` };
    if ((this.authenticatedFrom.get(key) ?? 0) >= this.limits.maxConnectionsPerAddress) {
      return { ok: false, reason: `${this.limits.maxConnectionsPerAddress} validator connections from ${key}` };
    }
    this.forget(socket);
    this.authenticated.set(socket, key);
    bump(this.authenticatedFrom, key, 1);
    return { ok: true };
  }

  /** The socket stayed unauthenticated past its deadline: forgotten, and its address struck. */
  expire(socket: S): void {
    if (this.unauthenticated.has(socket)) this.cutOff(socket);
  }

  /** The socket closed, whatever its state. */
  leave(socket: S): void {
    this.forget(socket);
  }

  private oldest(pick: (key: string) => boolean): S | undefined {
    for (const [socket, key] of this.unauthenticated) if (pick(key)) return socket;
    return undefined;
  }

  private cutOff(socket: S): void {
    const key = this.unauthenticated.get(socket)!;
    this.strikes.set(key, true);
    this.forget(socket);
  }

  private forget(socket: S): void {
    const unauthenticated = this.unauthenticated.get(socket);
    if (unauthenticated !== undefined) {
      this.unauthenticated.delete(socket);
      bump(this.unauthenticatedFrom, unauthenticated, -1);
    }
    const authenticated = this.authenticated.get(socket);
    if (authenticated !== undefined) {
      this.authenticated.delete(socket);
      bump(this.authenticatedFrom, authenticated, -1);
    }
  }
}

function bump(counts: Map<string, number>, key: string, by: number): void {
  const next = (counts.get(key) ?? 0) + by;
  if (next > 0) counts.set(key, next);
  else counts.delete(key);
}

/** `serve_axon` (4): publish a hotkey's axon, with subtensor's IP, port and rate-limit rules (`subnets/serving.rs`, §1.2). */
import { commonArgs, now, signed, type SubtensorCore } from './core.js';
import type { AxonInfo } from './types.js';

const IPV4_MAX = (1n << 32n) - 1n;
const U128_MAX = (1n << 128n) - 1n;

/** subtensor's is_valid_ip_address; loopback allowed only when the devnet was started to allow it. */
export function validIp(ipType: number, ip: bigint, allowLoopback: boolean): boolean {
  if (ip === 0n) return true;
  if (ipType === 4) return ip < IPV4_MAX && (allowLoopback || ip !== 0x7f000001n);
  return ip !== U128_MAX && (allowLoopback || ip !== 1n);
}

type ServeAxonArgs = Omit<AxonInfo, 'block'> & { netuid: number };

export function defineServingCalls(core: SubtensorCore): void {
  const { pallet: p, storage: s, errors: e, options } = core;
  const { u8, u16, u32, u128 } = core.types;
  p.call<ServeAxonArgs>('serve_axon', 4, [
    commonArgs(core).netuid,
    ['version', u32, 'u32'],
    ['ip', u128, 'u128'],
    ['port', u16, 'u16'],
    ['ip_type', u8, 'u8'],
    ['protocol', u8, 'u8'],
    ['placeholder1', u8, 'u8'],
    ['placeholder2', u8, 'u8'],
  ], (ctx, a) => {
    const hot = signed(ctx);
    const st = ctx.state;
    const { netuid, ip, ip_type: ipType } = a;
    if (s.Uids.get(st, netuid, hot) === null) e.HotKeyNotRegisteredInNetwork();
    if (ipType !== 4 && ipType !== 6) e.InvalidIpType();
    if (!validIp(ipType, ip, options.allowLoopbackAxons)) e.InvalidIpAddress();
    const prev = s.Axons.get(st, netuid, hot);
    const rateLimit = s.ServingRateLimit.get(st, netuid);
    const block = now(ctx);
    if (rateLimit !== 0n && prev && prev.block !== 0n && block - prev.block < rateLimit) e.ServingRateLimitExceeded();
    if (a.port === 0) e.InvalidPort();
    s.Axons.set(st, netuid, hot, {
      block,
      version: a.version,
      ip,
      port: a.port,
      ip_type: ipType,
      protocol: a.protocol,
      placeholder1: a.placeholder1,
      placeholder2: a.placeholder2,
    });
    ctx.emit('SubtensorModule', 'AxonServed', [netuid, hot]);
  }, { paysFee: false });
}

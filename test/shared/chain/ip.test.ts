import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ipToU128, sameEndpoint, u128ToIp } from '../../../shared/chain/ip.js';

// Expected integers computed independently with Python's ipaddress (int(ip_address(s))), which is
// what the bittensor SDK's netaddr-based encoding yields.
describe('ipToU128 / u128ToIp', () => {
  it('encodes IPv4 as its 32-bit value', () => {
    expect(ipToU128('203.0.113.7')).toEqual({ ip: 3405803783n, ipType: 4 });
    expect(ipToU128('0.0.0.0')).toEqual({ ip: 0n, ipType: 4 });
    expect(u128ToIp(3405803783n, 4)).toBe('203.0.113.7');
  });

  it('encodes IPv6 as its 128-bit big-endian value, including :: and an IPv4 tail', () => {
    expect(ipToU128('2001:db8::1')).toEqual({ ip: 42540766411282592856903984951653826561n, ipType: 6 });
    expect(ipToU128('::ffff:1.2.3.4')).toEqual({ ip: 281470698652420n, ipType: 6 });
    expect(ipToU128('::')).toEqual({ ip: 0n, ipType: 6 });
  });

  it('prints IPv6 in RFC 5952 form (longest zero run compressed, first on ties)', () => {
    expect(u128ToIp(ipToU128('2001:db8:0:0:1:0:0:1').ip, 6)).toBe('2001:db8::1:0:0:1');
    expect(u128ToIp(0n, 6)).toBe('::');
    expect(u128ToIp(1n << 112n, 6)).toBe('1::');
  });

  it('round-trips every IPv4 and IPv6 value', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (n) => ipToU128(u128ToIp(BigInt(n), 4)).ip === BigInt(n)));
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), (n) => ipToU128(u128ToIp(n, 6)).ip === n));
  });

  it('refuses text that is not an address, with a usage error', () => {
    expect(() => ipToU128('localhost')).toThrow(/not an IPv4 or IPv6 address/);
    expect(() => ipToU128('1.2.3.256')).toThrow(/not an IPv4/);
  });
});

describe('sameEndpoint (a miner serves only when the chain shows another address)', () => {
  it('matches however the address was written, and not across port, family or garbage', () => {
    expect(sameEndpoint({ ip: '2001:db8::7', port: 8091 }, { ip: '2001:DB8:0:0::7', port: 8091 })).toBe(true);
    expect(sameEndpoint({ ip: '203.0.113.7', port: 8091 }, { ip: '203.0.113.7', port: 8091 })).toBe(true);
    expect(sameEndpoint({ ip: '203.0.113.7', port: 8091 }, { ip: '203.0.113.7', port: 8092 })).toBe(false);
    expect(sameEndpoint({ ip: '0.0.0.1', port: 8091 }, { ip: '::1', port: 8091 })).toBe(false);
    expect(sameEndpoint(undefined, { ip: '203.0.113.7', port: 8091 })).toBe(false);
    expect(sameEndpoint({ ip: 'not-an-ip', port: 8091 }, { ip: '203.0.113.7', port: 8091 })).toBe(false);
  });
});

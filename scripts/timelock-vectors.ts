/**
 * Regenerates the timelock test vectors in test/shared/chain/timelock/vectors.ts from ideal-lab5's own
 * `tle` compiled to WebAssembly (the npm package @ideallabs/timelock_wasm_wrapper), and checks flopnet's
 * implementation against it in both directions. Not a dependency: unpack the package by hand first.
 *
 *   npm pack @ideallabs/timelock_wasm_wrapper@1.0.0 && tar xzf ideallabs-timelock_wasm_wrapper-1.0.0.tgz
 *   npx tsx scripts/timelock-vectors.ts ./package
 *
 * 1.0.0 is the tle of ideal-lab5/timelock before its mid-2025 refactor (w3f-bls, OsRng), the code
 * bittensor-drand pins (rev 5416406); 0.2.0-dev is the refactored crate (ark 0.5), same wire format.
 * The byte-exact vector replaces the wasm's OS randomness (crypto.getRandomValues) with a fixed stream.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { u8aToHex } from '@polkadot/util';
import { QUICKNET_BEACON } from '../shared/chain/timelock/beacon.js';
import { roundMessage } from '../shared/chain/timelock/bls.js';
import { encodeWeightsPayload } from '../shared/chain/timelock/payload.js';
import { timelockDecrypt, timelockEncrypt } from '../shared/chain/timelock/tlock.js';

const dir = resolve(process.argv[2] ?? './package');
/** Quicknet round 1000 (pallets/drand/src/tests.rs DRAND_PULSE). */
const ROUND = 1000;
const SIGNATURE = Uint8Array.from(Buffer.from('b44679b9a59af2ec876b1a6b1ad52ea9b1615fc3982b19576350f93447cb1125e342b73a8dd2bacbe47e4b6b63ed5e39', 'hex'));
const ALICE = Uint8Array.from(Buffer.from('d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d', 'hex'));

/** byte i of the stream = (37·i + 11) mod 256. */
let position = 0;
const stream = (n: number): Uint8Array => {
  const out = Uint8Array.from({ length: n }, (_, i) => ((position + i) * 37 + 11) & 0xff);
  position += n;
  return out;
};
let fixed = false;
const systemRandom = globalThis.crypto.getRandomValues.bind(globalThis.crypto);
(globalThis.crypto as { getRandomValues: (a: Uint8Array) => Uint8Array }).getRandomValues = (a: Uint8Array) => {
  if (fixed) a.set(stream(a.length));
  else systemRandom(a);
  return a;
};

const wasm = await import(pathToFileURL(`${dir}/timelock_wasm_wrapper.js`).href);
wasm.initSync({ module: readFileSync(`${dir}/timelock_wasm_wrapper_bg.wasm`) });
const version = JSON.parse(readFileSync(`${dir}/package.json`, 'utf8')).version as string;
const theirTle = (message: Uint8Array, key: Uint8Array): Uint8Array =>
  new Uint8Array(wasm.tle(Array.from(roundMessage(ROUND)), Array.from(message), Array.from(key), Array.from(QUICKNET_BEACON.publicKey), 'bls12_381'));
const theirTld = (ciphertext: Uint8Array): Uint8Array => new Uint8Array(wasm.tld(Array.from(ciphertext), Array.from(SIGNATURE), 'bls12_381'));

const payload = encodeWeightsPayload({ hotkey: ALICE, uids: [0, 1, 2], values: [65535, 32768, 7], versionKey: 3n });
const key = new Uint8Array(32).fill(2);

const random = theirTle(payload, key);
const ok = u8aToHex(timelockDecrypt(random, SIGNATURE)) === u8aToHex(payload);
const ours = timelockEncrypt(payload, ROUND, QUICKNET_BEACON.publicKey);
const theyOpenOurs = u8aToHex(theirTld(ours)) === u8aToHex(payload);

fixed = true;
position = 0;
const exact = theirTle(payload, key);
position = 0;
let first = true;
const replay = timelockEncrypt(payload, ROUND, QUICKNET_BEACON.publicKey, (n) => {
  if (!first) return stream(n);
  first = false;
  return key;
});

console.log(
  JSON.stringify(
    {
      wasmVersion: version,
      payload: u8aToHex(payload),
      randomCiphertext: u8aToHex(random),
      weOpenTheirs: ok,
      theyOpenOurs,
      fixedStreamCiphertext: u8aToHex(exact),
      byteExact: u8aToHex(exact) === u8aToHex(replay),
    },
    null,
    2,
  ),
);

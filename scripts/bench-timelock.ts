/**
 * What timelocked weights cost: a validator encrypting one commit (once per tempo), the chain (and the
 * devnet's block step) decrypting one commit per validator in the reveal epoch, checking a drand pulse,
 * and the devnet beacon signing a round. One core, @noble/curves' pairing.
 *
 *   npx tsx scripts/bench-timelock.ts [--runs 20] [--json]
 */
import { parseArgs } from 'node:util';
import { QUICKNET_BEACON } from '../shared/chain/timelock/beacon.js';
import { beaconPublicKey, signRound, verifyRound } from '../shared/chain/timelock/bls.js';
import { encodeWeightsPayload } from '../shared/chain/timelock/payload.js';
import { timelockDecrypt, timelockEncrypt } from '../shared/chain/timelock/tlock.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' }, json: { type: 'boolean', default: false } } });
const runs = Number(values.runs);

const SECRET = 0x5eedn;
const ROUND = 27_000_000;
const signature = signRound(SECRET, ROUND);
const publicKey = beaconPublicKey(SECRET);
// A full subnet's weight vector: 256 uids.
const uids = Array.from({ length: 256 }, (_, i) => i);
const payload = encodeWeightsPayload({ hotkey: new Uint8Array(32).fill(1), uids, values: uids.map((u) => 256 * u), versionKey: 0n });
const ciphertext = timelockEncrypt(payload, ROUND, publicKey);

function time(label: string, fn: () => unknown) {
  fn(); // warm the precomputed tables
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  return { label, medianMs: samples[Math.floor(samples.length / 2)]!, p90Ms: samples[Math.floor(samples.length * 0.9)]! };
}

const results = [
  time('encrypt a 256-uid commit (validator)', () => timelockEncrypt(payload, ROUND, QUICKNET_BEACON.publicKey)),
  time('decrypt a commit with the round signature (chain reveal)', () => timelockDecrypt(ciphertext, signature)),
  time('verify a drand pulse (dev_drandPulse)', () => verifyRound(publicKey, ROUND, signature)),
  time('sign a round (devnet beacon)', () => signRound(SECRET, ROUND)),
];

if (values.json) console.log(JSON.stringify({ runs, payloadBytes: payload.length, ciphertextBytes: ciphertext.length, results }, null, 2));
else {
  console.log(`runs ${runs}; payload ${payload.length} B, ciphertext ${ciphertext.length} B`);
  for (const r of results) console.log(`${r.label.padEnd(60)} median ${r.medianMs.toFixed(1)} ms  p90 ${r.p90Ms.toFixed(1)} ms`);
}

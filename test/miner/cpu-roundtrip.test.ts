/**
 * The transport carries a real CPU run end to end: the validator's own verifier accepts the openings
 * that crossed the wire, and rejects them when a byte of a row changes on the way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../miner/backends/index.js';
import type { ComputeBackend } from '../../miner/backends/backend.js';
import { Miner } from '../../miner/miner.js';
import { createChallenge } from '../../shared/challenge/challenge.js';
import { pickRows } from '../../shared/challenge/openings.js';
import { verifyOpenings } from '../../shared/challenge/verify.js';
import { silentLogger } from '../../shared/log.js';
import { createSigner, cryptoReady } from '../../shared/protocol/signing.js';
import { Dendrite, type AxonTarget } from '../../validator/dendrite.js';
import { metagraph, neuron, pair, source } from './fixtures.js';

await cryptoReady();
const alice = pair('//Alice');
const minerKey = pair('//Miner');

describe('miner on the CPU backend', () => {
  let backend: ComputeBackend;
  let miner: Miner;
  let dendrite: Dendrite;
  let target: AxonTarget;
  beforeAll(async () => {
    backend = await createBackend('cpu', silentLogger, { threads: 1 });
    miner = await Miner.start({
      signer: createSigner(minerKey),
      backend,
      metagraph: source(metagraph([neuron(0, alice.address, { validatorPermit: true })])),
      host: '127.0.0.1',
      port: 0,
    });
    target = { hotkey: miner.hotkey, ip: '127.0.0.1', port: miner.port };
    dendrite = new Dendrite({ signer: createSigner(alice) });
  });
  afterAll(async () => {
    dendrite.close();
    await miner.close();
    await backend.close();
  });

  for (const precision of ['fp32', 'fp64', 'bf16'] as const) {
    it(`${precision}: commitment and openings verify after crossing the wire`, async () => {
      const challenge = createChallenge({ precision, m: 2, n: 48, k: 40, deadlineMs: 30_000 });
      const committed = await dendrite.challenge(target, challenge);
      expect(committed.ok, committed.ok ? '' : committed.message).toBe(true);
      if (!committed.ok) return;
      const request = pickRows(challenge, 8);
      const opened = await dendrite.open(target, request);
      expect(opened.ok, opened.ok ? '' : opened.message).toBe(true);
      if (!opened.ok) return;
      expect(verifyOpenings(challenge, committed.value, request, opened.value, { elapsedMs: committed.elapsedMs })).toMatchObject({ ok: true, rowsChecked: 8 });
      const tampered = structuredClone(opened.value);
      tampered.rows[0]!.data[0]! ^= 1;
      expect(verifyOpenings(challenge, committed.value, request, tampered).ok).toBe(false);
    });
  }
});

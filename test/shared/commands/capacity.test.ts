/**
 * `flopnet capacity` against a devnet where validators published real commitments (set_commitment
 * through @polkadot/api): an honest majority, a lying validator with little stake, one without a
 * permit, one whose commitment is not a capacity commitment.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capacityCommitment } from '../../../validator/capacity.js';
import { chainCliEnv, type ChainCliEnv } from '../chain/cli-fixtures.js';

const TAO = 1_000_000_000n;
let env: ChainCliEnv;
let blocks: Record<string, number>;

beforeAll(async () => {
  env = await chainCliEnv();
  const { client, keys, netuid, devnet } = env;
  for (const hotkey of [keys.bobHk, keys.charlieHk, keys.pauperHk]) await client.burnedRegister({ coldkey: keys.alice, hotkey: hotkey.address, netuid });
  await client.addStake({ coldkey: keys.bob, hotkey: keys.bobHk.address, netuid, amount: 500n * TAO });
  await client.addStake({ coldkey: keys.charlie, hotkey: keys.charlieHk.address, netuid, amount: 20n * TAO });
  // Permits go to the top stakes at an epoch (tempo 10); pauper has no stake and gets none.
  await devnet.newBlock(12);
  const publish = async (hotkey: typeof keys.bobHk, fields: string[]) => (await client.setCommitment({ hotkey, netuid, fields })).blockNumber;
  blocks = {
    bob: await publish(keys.bobHk, [capacityCommitment({ round: 40, verifiedMiners: 2, totals: { fp32: 2.5, bf16: 10 } }), '{"v":1,"m":{"1":{"fp32":1.5},"2":{"fp32":1,"bf16":10}}}']),
    charlie: await publish(keys.charlieHk, [capacityCommitment({ round: 41, verifiedMiners: 9, totals: { fp32: 900, bf16: 9000, fp8: 50_000 } })]),
    pauper: await publish(keys.pauperHk, [capacityCommitment({ round: 1, verifiedMiners: 99, totals: { fp32: 1e6 } })]),
    alice: await publish(keys.aliceHk, ['hello from the owner']),
  };
});
afterAll(() => env?.close());

describe('flopnet capacity', () => {
  it("prints the stake-weighted median per class, each counted validator's figure and block, and the commitments it skipped", async () => {
    const r = await env.flopnet('capacity', '--netuid', String(env.netuid), '--json');
    expect(r.status, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    const metagraph = await env.client.getMetagraph({ netuid: env.netuid });
    const uid = (hotkey: string) => metagraph.neurons.find((n) => n.hotkey === hotkey)!.uid;
    expect(metagraph.neurons.find((n) => n.hotkey === env.keys.pauperHk.address)!.validatorPermit).toBe(false);

    // Bob holds most of the permitted stake: Charlie's inflated figures do not move the median.
    expect(result.capacity.tflops).toEqual({ fp32: 2.5, bf16: 10, fp8: 0 });
    expect(result.capacity.validators).toBe(2);
    expect(result.validators.map((v: { hotkey: string }) => v.hotkey)).toEqual([env.keys.bobHk.address, env.keys.charlieHk.address]);
    expect(result.validators[0]).toMatchObject({ uid: uid(env.keys.bobHk.address), block: blocks.bob, round: 40, verifiedMiners: 2, tflops: { fp32: 2.5, bf16: 10 }, minerFigures: 2 });
    expect(result.validators[1]).toMatchObject({ block: blocks.charlie, tflops: { fp32: 900, bf16: 9000, fp8: 50_000 } });
    expect(BigInt(result.validators[0].stake)).toBeGreaterThan(BigInt(result.validators[1].stake));
    expect(result.capacity.miners).toEqual([
      { uid: 1, tflops: { fp32: 1.5 } },
      { uid: 2, tflops: { fp32: 1, bf16: 10 } },
    ]);
    expect(result.capacity.minerFigures.validators).toBe(1);
    expect(result.skipped).toEqual([
      { hotkey: env.keys.aliceHk.address, uid: 0, block: blocks.alice, reason: 'not a capacity commitment: "hello from the owner"' },
      { hotkey: env.keys.pauperHk.address, uid: uid(env.keys.pauperHk.address), block: blocks.pauper, reason: 'no validator permit' },
    ]);

    const text = await env.flopnet('capacity', '--netuid', String(env.netuid));
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toContain(`Verified capacity of subnet ${env.netuid} at block`);
    expect(text.stdout).toMatch(/^fp32\s+2\.500$/m);
    expect(text.stdout).toMatch(/^bf16\s+10\.000$/m);
    expect(text.stdout).toContain('no validator permit');
  });

  it('needs no wallet, and says so in one line when the subnet does not exist', async () => {
    const r = await env.flopnet('capacity', '--netuid', '77', '--json', '--wallet.path', '/nonexistent');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("unknown option '--wallet.path'");
    const missing = await env.flopnet('capacity', '--netuid', '77', '--json');
    expect(missing.status).toBe(1);
    expect(JSON.parse(missing.stdout).error.code).toBe('E_SUBNET_NOT_FOUND');
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
  });
});

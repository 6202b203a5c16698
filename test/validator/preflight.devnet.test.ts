/**
 * What a validator says at start-up about whether its weights can land and count, on the devnet:
 * it refuses the spec-185-era commit-reveal (reveal without salt) naming the runtime and what to do,
 * and warns with the stake figures when the owner's silent stake keeps consensus from forming.
 */
import { describe, expect, it } from 'vitest';
import { Keyring } from '@polkadot/keyring';
import type { ChainClient } from '../../shared/chain/index.js';
import { FlopnetError } from '../../shared/errors.js';
import { createLogger } from '../../shared/log.js';
import { Validator } from '../../validator/validator.js';
import { registerValidator, subnetPerTest } from '../shared/chain/fixtures.js';

const TAO = 1_000_000_000n;
const validatorKey = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri('//flopnet-test-preflight');
const openSubnet = subnetPerTest();

/** An open subnet on which Bob registered the validator and staked 100 TAO to it. */
async function subnet(options: Parameters<typeof openSubnet>[0]) {
  const opened = await openSubnet(options);
  await registerValidator(opened.client, opened.keys, opened.netuid, validatorKey.address);
  return opened;
}

const start = (c: ChainClient, netuid: number, lines: string[]) =>
  Validator.start({ client: c, netuid, hotkey: validatorKey, db: ':memory:', log: createLogger({ level: 'info', write: (l) => lines.push(l) }) });

describe('validator start-up', () => {
  it('refuses the interval-based commit-reveal without salt (spec 185 era), naming the runtime and the fix', async () => {
    const { keys, netuid, client: c } = await subnet({ runtime: { specVersion: 185, commitReveal: 'unsalted' } });
    await c.setHyperparameter({ signer: keys.alice, netuid, name: 'commit_reveal_weights_enabled', value: true, sudo: true });
    const error = await start(c, netuid, []).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(FlopnetError);
    expect(error).toMatchObject({ code: 'E_WEIGHTS_MECHANISM', message: expect.stringContaining('spec 185'), hint: expect.stringContaining('commit_reveal_weights_enabled false') });
    expect((error as Error).message).toContain('reveal_weights without a salt');
  });

  it('warns, with the stake figures and the fix, when the owner hotkey\'s stake keeps consensus from forming', async () => {
    const { keys, netuid, client: c } = await subnet({});
    await c.addStake({ coldkey: keys.alice, hotkey: keys.aliceHk.address, netuid, amount: 900n * TAO });
    const lines: string[] = [];
    const validator = await start(c, netuid, lines);
    await validator.close();
    const warning = lines.find((l) => l.includes('consensus cannot form'));
    expect(warning).toBeDefined();
    expect(warning).toMatch(/validators setting weights hold \d+\.\d% of the active validator stake/);
    expect(warning).toContain(`the subnet owner's hotkey ${keys.aliceHk.address}`);
  });

  it('says consensus forms when this validator holds enough of the stake', async () => {
    const { netuid, client: c } = await subnet({});
    const lines: string[] = [];
    const validator = await start(c, netuid, lines);
    await validator.close();
    expect(lines.some((l) => l.includes('consensus forms'))).toBe(true);
  });
});

/**
 * `flopnet stake add | remove --netuid N --amount X`: moves stake between the wallet's coldkey and a
 * hotkey (the wallet's own, or --hotkey-address) on a subnet.
 */
import { z } from 'zod';
import { defineCommand, defineGroup } from '../cli/command.js';
import { netuidOption, subtensorOptions, walletOptions } from '../config/common.js';
import { defineOptions } from '../config/options.js';
import { UsageError } from '../errors.js';
import { coldkeyAddress, coldkeyOf, hotkeyAddress, withClient } from '../chain/cli.js';
import { InsufficientBalanceError } from '../chain/errors.js';
import { formatTao, taoToRao } from '../chain/units.js';
import { decodeAddress } from '@polkadot/util-crypto';

const stakeOptions = defineOptions({
  amount: { key: 'amount', arg: '<tao>', description: 'amount in TAO (remove: in the subnet\'s alpha)', schema: z.union([z.string(), z.number()]).transform(String) },
  hotkeyAddress: {
    key: 'hotkey-address',
    arg: '<ss58>',
    description: 'stake to this hotkey instead of the wallet\'s own',
    schema: z.string().refine((s) => {
      try {
        return decodeAddress(s).length === 32;
      } catch {
        return false;
      }
    }, 'an ss58 address'),
  },
});

export interface StakeResult {
  action: 'add' | 'remove';
  netuid: number;
  hotkey: string;
  /** rao */
  amount: bigint;
  block: number;
}

/** add moves TAO (τ) in; remove takes the subnet's alpha (α) out. */
const render = (r: StakeResult) =>
  r.action === 'add'
    ? `staked ${formatTao(r.amount)} τ to ${r.hotkey} on subnet ${r.netuid} (block ${r.block})`
    : `unstaked ${formatTao(r.amount)} α (subnet ${r.netuid}'s alpha) from ${r.hotkey} (block ${r.block})`;

function stakeCommandFor(action: 'add' | 'remove') {
  return defineCommand({
    name: action,
    description: action === 'add' ? 'stake TAO from the coldkey to a hotkey on a subnet' : 'unstake from a hotkey back to the coldkey',
    options: { ...netuidOption, ...stakeOptions, ...walletOptions, ...subtensorOptions },
    examples: [`flopnet stake ${action} --netuid 1 --amount 10 --wallet.name validator`],
    action: async ({ options, log, signal, output }) => {
      const { netuid } = options;
      if (netuid === undefined) throw new UsageError(`flopnet stake ${action} needs --netuid`, { hint: `flopnet stake ${action} --netuid 1 --amount 10` });
      if (options.amount === undefined) throw new UsageError(`flopnet stake ${action} needs --amount`, { hint: `flopnet stake ${action} --netuid ${netuid} --amount 10` });
      const amount = taoToRao(options.amount);
      if (amount === 0n) throw new UsageError('--amount must be more than 0', { code: 'E_AMOUNT' });
      const hotkey = options.hotkeyAddress ?? hotkeyAddress(options);
      const coldAddress = coldkeyAddress(options);
      await withClient(options, log, signal, async (client) => {
        await client.getSubnetInfo({ netuid }); // one-line error for an unknown netuid
        if (action === 'add') {
          const { free } = await client.getBalance({ address: coldAddress });
          if (free < amount) throw new InsufficientBalanceError(coldAddress, `${formatTao(amount)} τ`, `${formatTao(free)} τ`, 'this stake');
        }
        const coldkey = await coldkeyOf(options);
        const result =
          action === 'add'
            ? await client.addStake({ coldkey, hotkey, netuid, amount, signal })
            : await client.removeStake({ coldkey, hotkey, netuid, amount, signal });
        output<StakeResult>({ action, netuid, hotkey, amount, block: result.blockNumber }, render);
      });
    },
  });
}

export const stakeCommand = defineGroup('stake', 'add or remove stake', [stakeCommandFor('add'), stakeCommandFor('remove')]);

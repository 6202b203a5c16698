/**
 * `flopnet register --netuid N`: registers the wallet's hotkey on a subnet by burning the
 * registration cost from the coldkey (burned_register). Checks first, so the usual mistakes give a
 * one-line answer without paying a fee: unknown subnet, already registered, too little balance.
 */
import { defineCommand } from '../cli/command.js';
import { netuidOption, subtensorOptions, walletOptions } from '../config/common.js';
import { UsageError } from '../errors.js';
import { coldkeyAddress, coldkeyOf, hotkeyAddress, withClient } from '../chain/cli.js';
import { InsufficientBalanceError } from '../chain/errors.js';
import { formatTao } from '../chain/units.js';

export interface RegisterResult {
  netuid: number;
  hotkey: string;
  uid: number;
  alreadyRegistered: boolean;
  block?: number;
}

export const registerCommand = defineCommand({
  name: 'register',
  description: 'register a hotkey on a subnet (burned_register)',
  options: { ...netuidOption, ...walletOptions, ...subtensorOptions },
  examples: ['flopnet register --netuid 1 --wallet.name miner --wallet.hotkey default'],
  action: async ({ options, log, signal, output }) => {
    const { netuid } = options;
    if (netuid === undefined) throw new UsageError('flopnet register needs --netuid', { hint: 'flopnet register --netuid 1' });
    const hotkey = hotkeyAddress(options);
    const coldAddress = coldkeyAddress(options);
    await withClient(options, log, signal, async (client) => {
      const info = await client.getSubnetInfo({ netuid });
      const existing = await client.getUid({ netuid, hotkey });
      const render = (r: RegisterResult) =>
        r.alreadyRegistered ? `hotkey ${r.hotkey} is already registered on subnet ${r.netuid} as uid ${r.uid}` : `registered ${r.hotkey} on subnet ${r.netuid} as uid ${r.uid} (block ${r.block})`;
      if (existing !== undefined) {
        output<RegisterResult>({ netuid, hotkey, uid: existing, alreadyRegistered: true }, render);
        return;
      }
      if (info.burn !== undefined) {
        const { free } = await client.getBalance({ address: coldAddress });
        if (free < info.burn) throw new InsufficientBalanceError(coldAddress, `${formatTao(info.burn)} τ`, `${formatTao(free)} τ`, `registering on subnet ${netuid}`);
      }
      const { uid, result } = await client.burnedRegister({ coldkey: await coldkeyOf(options), hotkey, netuid, signal });
      output<RegisterResult>({ netuid, hotkey, uid, alreadyRegistered: false, block: result.blockNumber }, render);
    });
  },
});

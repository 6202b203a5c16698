/**
 * `flopnet register --netuid N`: registers the wallet's hotkey on a subnet (burned_register), saying what
 * the price does: burned, and on runtimes with miner collateral (spec ≥ 435) the part staked to the hotkey
 * and locked. Checks first, so the usual mistakes give a one-line answer without paying a fee: unknown
 * subnet, already registered, too little balance.
 */
import { defineCommand } from '../cli/command.js';
import { netuidOption, subtensorOptions, walletOptions } from '../config/common.js';
import { UsageError } from '../errors.js';
import { coldkeyAddress, coldkeyOf, hotkeyAddress, withClient } from '../chain/cli.js';
import { InsufficientBalanceError } from '../chain/errors.js';
import { formatTao } from '../chain/units.js';
import type { RegistrationCost } from '../chain/collateral.js';

export interface RegisterResult {
  netuid: number;
  hotkey: string;
  uid: number;
  alreadyRegistered: boolean;
  block?: number;
  /** What the registration cost: burned TAO, and TAO locked as miner collateral where the runtime has it. */
  cost?: RegistrationCost;
}

/** "burned 0.5 τ, locked 0.5 τ as collateral" / "burned 1 τ". */
export function describeCost(c: RegistrationCost): string {
  const burned = `burned ${formatTao(c.burned)} τ`;
  if (!c.collateral || c.requirement === 0n) return burned;
  const credit = c.standing > 0n ? ` (collateral already standing for this hotkey and coldkey is worth ${formatTao(c.standing)} τ)` : '';
  return `${burned}, locked ${formatTao(c.locked)} τ as miner collateral, staked to the hotkey and released as it earns emission${credit}`;
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
        r.alreadyRegistered
          ? `hotkey ${r.hotkey} is already registered on subnet ${r.netuid} as uid ${r.uid}`
          : `registered ${r.hotkey} on subnet ${r.netuid} as uid ${r.uid} (block ${r.block}): ${r.cost ? describeCost(r.cost) : 'cost unknown'}`;
      if (existing !== undefined) {
        output<RegisterResult>({ netuid, hotkey, uid: existing, alreadyRegistered: true }, render);
        return;
      }
      const cost = info.burn === undefined ? undefined : await client.getRegistrationCost({ netuid, hotkey, coldkey: coldAddress });
      if (cost) {
        const { free } = await client.getBalance({ address: coldAddress });
        if (free < cost.total) throw new InsufficientBalanceError(coldAddress, `${formatTao(cost.total)} τ`, `${formatTao(free)} τ`, `registering on subnet ${netuid}`);
        log.info(`registering costs ${formatTao(cost.total)} τ: ${describeCost(cost)}`, { netuid, hotkey });
      }
      const { uid, result } = await client.burnedRegister({ coldkey: await coldkeyOf(options), hotkey, netuid, signal });
      output<RegisterResult>({ netuid, hotkey, uid, alreadyRegistered: false, block: result.blockNumber, ...(cost ? { cost } : {}) }, render);
    });
  },
});

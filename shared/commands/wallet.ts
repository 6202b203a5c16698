import { FlopnetError } from '../errors.js';
import { defineCommand } from '../cli/command.js';

export const walletCommand = defineCommand({
  name: 'wallet',
  description: 'create, list and show btcli-compatible wallets',
  action: () => {
    throw new FlopnetError('flopnet wallet is not built yet', { code: 'E_NOT_IMPLEMENTED' });
  },
});

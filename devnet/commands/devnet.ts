import { FlopnetError } from '../../shared/errors.js';
import { defineCommand } from '../../shared/cli/command.js';

export const devnetCommand = defineCommand({
  name: 'devnet',
  description: 'run the embedded local subtensor-compatible chain',
  action: () => {
    throw new FlopnetError('flopnet devnet is not built yet', { code: 'E_NOT_IMPLEMENTED' });
  },
});

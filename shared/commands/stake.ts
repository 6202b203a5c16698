import { FlopnetError } from '../errors.js';
import { defineCommand } from '../cli/command.js';

export const stakeCommand = defineCommand({
  name: 'stake',
  description: 'add or remove stake',
  action: () => {
    throw new FlopnetError('flopnet stake is not built yet', { code: 'E_NOT_IMPLEMENTED' });
  },
});

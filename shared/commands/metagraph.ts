import { FlopnetError } from '../errors.js';
import { defineCommand } from '../cli/command.js';

export const metagraphCommand = defineCommand({
  name: 'metagraph',
  description: 'print the metagraph of a subnet',
  action: () => {
    throw new FlopnetError('flopnet metagraph is not built yet', { code: 'E_NOT_IMPLEMENTED' });
  },
});

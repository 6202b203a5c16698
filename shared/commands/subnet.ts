import { FlopnetError } from '../errors.js';
import { defineCommand } from '../cli/command.js';

export const subnetCommand = defineCommand({
  name: 'subnet',
  description: 'create a subnet, show it, read and set its hyperparameters',
  action: () => {
    throw new FlopnetError('flopnet subnet is not built yet', { code: 'E_NOT_IMPLEMENTED' });
  },
});

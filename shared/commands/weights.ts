import { FlopnetError } from '../errors.js';
import { defineCommand } from '../cli/command.js';

export const weightsCommand = defineCommand({
  name: 'weights',
  description: 'show the weights validators set on a subnet',
  action: () => {
    throw new FlopnetError('flopnet weights is not built yet', { code: 'E_NOT_IMPLEMENTED' });
  },
});

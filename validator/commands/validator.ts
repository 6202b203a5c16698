import { FlopnetError } from '../../shared/errors.js';
import { defineCommand } from '../../shared/cli/command.js';

export const validatorCommand = defineCommand({
  name: 'validator',
  description: 'run a validator: challenge miners, score them, set weights',
  action: () => {
    throw new FlopnetError('flopnet validator is not built yet', { code: 'E_NOT_IMPLEMENTED' });
  },
});

import { FlopnetError } from '../errors.js';
import { defineCommand } from '../cli/command.js';

export const registerCommand = defineCommand({
  name: 'register',
  description: 'register a hotkey on a subnet (burned_register)',
  action: () => {
    throw new FlopnetError('flopnet register is not built yet', { code: 'E_NOT_IMPLEMENTED' });
  },
});

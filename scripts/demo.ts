import { FlopnetError } from '../shared/errors.js';
import { defineCommand } from '../shared/cli/command.js';

export const demoCommand = defineCommand({
  name: 'demo',
  description: 'run the whole subnet on the embedded devnet',
  action: () => {
    throw new FlopnetError('flopnet demo is not built yet', { code: 'E_NOT_IMPLEMENTED' });
  },
});

import { FlopnetError } from '../../shared/errors.js';
import { defineCommand } from '../../shared/cli/command.js';

export const benchCommand = defineCommand({
  name: 'bench',
  description: 'run one challenge locally through the real verifier',
  action: () => {
    throw new FlopnetError('flopnet bench is not built yet', { code: 'E_NOT_IMPLEMENTED' });
  },
});

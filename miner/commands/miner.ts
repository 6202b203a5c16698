import { FlopnetError } from '../../shared/errors.js';
import { defineCommand } from '../../shared/cli/command.js';

export const minerCommand = defineCommand({
  name: 'miner',
  description: 'run a miner: serve FLOPS challenges from a compute backend',
  action: () => {
    throw new FlopnetError('flopnet miner is not built yet', { code: 'E_NOT_IMPLEMENTED' });
  },
});

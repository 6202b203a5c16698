import type { DeviceInfo } from '../../shared/challenge/types.js';
import type { Handler } from './context.js';

/** Reports the device described once at start-up (describe() may be slow on a GPU). */
export const createDeviceHandler =
  (info: DeviceInfo): Handler<'device'> =>
  async () => info;

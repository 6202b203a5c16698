/** The dashboard's settings, for `flopnet validator start` and `flopnet dashboard`. */
import { z } from 'zod';
import { defineOptions, zInt } from '../../shared/config/options.js';

export const dashboardOptions = defineOptions({
  dashboardPort: {
    key: 'dashboard.port',
    arg: '<port>',
    description: 'serve the dashboard (capacity over time, miners, their history, commitments on chain) on http://<dashboard.host>:<port>/',
    schema: zInt(0, 65535),
    aliases: ['--dashboard-port', '--dashboard_port'],
  },
  dashboardHost: {
    key: 'dashboard.host',
    arg: '<address>',
    description: 'address the dashboard listens on (0.0.0.0 to show it to other machines)',
    schema: z.union([z.ipv4(), z.ipv6()], 'an IPv4 or IPv6 address'),
    default: '127.0.0.1',
    aliases: ['--dashboard-host', '--dashboard_host'],
  },
});

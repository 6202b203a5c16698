/** The settings of the metrics endpoint and its health check, shared by `flopnet miner` and `flopnet validator start`. */
import { z } from 'zod';
import { defineOptions, zInt, zPort } from '../config/options.js';

export const metricsOptions = defineOptions({
  metricsPort: {
    key: 'metrics.port',
    arg: '<port>',
    description: 'serve Prometheus metrics on http://<metrics.host>:<port>/metrics and a health check on /healthz (off unless given)',
    schema: zPort,
    aliases: ['--metrics-port', '--metrics_port'],
  },
  metricsHost: {
    key: 'metrics.host',
    arg: '<address>',
    description: 'address the metrics endpoint listens on (0.0.0.0 for a Prometheus on another machine)',
    schema: z.union([z.ipv4(), z.ipv6()], 'an IPv4 or IPv6 address'),
    default: '127.0.0.1',
    aliases: ['--metrics-host', '--metrics_host'],
  },
  healthBlocks: {
    key: 'health.blocks',
    arg: '<n>',
    description: "/healthz fails when no new block arrived for this many blocks' time (the block time as measured)",
    schema: zInt(1, 100_000),
    default: 10,
  },
});

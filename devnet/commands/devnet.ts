/**
 * `flopnet devnet`: runs the embedded subtensor-compatible chain until Ctrl-C / SIGTERM, printing
 * the endpoint and the dev accounts (as JSON with --json).
 */
import { z } from 'zod';
import { u8aToHex } from '@polkadot/util';
import { defineCommand } from '../../shared/cli/command.js';
import { defineOptions, zBool, zInt } from '../../shared/config/options.js';
import { UsageError } from '../../shared/errors.js';
import type { BlockMode } from '../runtime/pool.js';
import type { DrandMode } from '../pallets/drand.js';

const devnetOptions = defineOptions({
  port: { key: 'port', arg: '<port>', description: 'port for WebSocket and HTTP JSON-RPC (0: any free port)', schema: zInt(0, 65535), default: 9944 },
  host: { key: 'host', arg: '<address>', description: 'address to listen on', schema: z.string().min(1), default: '127.0.0.1' },
  blockTime: { key: 'block-time', arg: '<ms>', description: 'build a block every <ms> milliseconds (default 250, as a fast-runtime localnet)', schema: zInt(10, 600_000) },
  instant: { key: 'instant', description: 'build a block for each submitted extrinsic instead of on a timer', schema: zBool, default: false },
  manual: { key: 'manual', description: 'build blocks only on the dev_newBlock RPC call', schema: zBool, default: false },
  state: { key: 'state', arg: '<file>', description: 'resume from this JSON state file if it exists, and save to it on exit', schema: z.string().min(1) },
  allowLoopbackAxons: {
    key: 'allow-loopback-axons',
    description: 'accept serve_axon with 127.0.0.1 / ::1 (subtensor refuses them with InvalidIpAddress)',
    schema: zBool,
    default: false,
  },
  subtensorExtensions: {
    key: 'subtensor-extensions',
    description: "declare subtensor HEAD's signed extensions (ChargeTransactionPaymentWrapper, CheckMetadataHash, ...) instead of FRAME's; clients must then describe them",
    schema: zBool,
    default: false,
  },
  tempo: { key: 'tempo', arg: '<blocks>', description: 'tempo of new subnets (default 10, as a fast-runtime localnet; subtensor: 360)', schema: zInt(1, 65535) },
  drand: {
    key: 'drand',
    arg: '<beacon>',
    description: "drand beacon of the Drand pallet: 'devnet' signs rounds with a public TEST key (timelocked commits reveal offline); 'quicknet' declares drand quicknet and stores only pulses handed to dev_drandPulse",
    schema: z.enum(['devnet', 'quicknet']),
    default: 'devnet',
  },
});

export const devnetCommand = defineCommand({
  name: 'devnet',
  description: 'run the embedded local subtensor-compatible chain (JSON-RPC over ws:// and http://)',
  options: devnetOptions,
  examples: ['flopnet devnet', 'flopnet devnet --port 9945 --instant', 'flopnet devnet --state devnet.json --allow-loopback-axons'],
  action: async ({ options, log, output, signal }) => {
    if (options.instant && options.manual) throw new UsageError('--instant and --manual exclude each other', { hint: 'pick one block mode (or neither for a block every 250 ms)' });
    if ((options.instant || options.manual) && options.blockTime !== undefined) {
      throw new UsageError('--block-time applies to the interval mode only', { hint: 'drop --block-time, or drop --instant / --manual' });
    }
    const blockMode: BlockMode = options.instant ? 'instant' : options.manual ? 'manual' : 'interval';
    // Loaded here, not with the CLI: the runtime (metadata, the pairing library) is for this command only.
    const { startDevnet } = await import('../devnet.js');
    const devnet = await startDevnet(
      {
        port: options.port,
        host: options.host,
        blockMode,
        ...(options.blockTime !== undefined ? { blockTimeMs: options.blockTime } : {}),
        ...(options.state !== undefined ? { stateFile: options.state } : {}),
        ...(options.tempo !== undefined ? { defaultTempo: options.tempo } : {}),
        allowLoopbackAxons: options.allowLoopbackAxons,
        extensions: options.subtensorExtensions ? 'subtensor' : 'frame',
        drand: options.drand as DrandMode,
      },
      log,
    );
    try {
      output(
        {
          endpoint: devnet.endpoint,
          httpEndpoint: devnet.httpEndpoint,
          blockMode,
          blockTimeMs: devnet.chain.options.blockTimeMs,
          genesisHash: devnet.chain.genesisHash,
          bestBlock: devnet.chain.bestBlock.number,
          sudo: devnet.accounts[0]!.address,
          allowLoopbackAxons: options.allowLoopbackAxons,
          drand: { beacon: options.drand, publicKey: u8aToHex(devnet.chain.runtime.drand!.BeaconConfig.get(devnet.chain.head).public_key) },
          accounts: devnet.accounts.map((a) => ({ name: a.name, uri: a.uri, address: a.address, balance: a.balance.toString() })),
        },
        (r) =>
          [
            `flopnet devnet listening on ${r.endpoint} (also ${r.httpEndpoint})`,
            `blocks: ${r.blockMode === 'interval' ? `every ${r.blockTimeMs} ms` : r.blockMode}; best block #${r.bestBlock}; genesis ${r.genesisHash}`,
            `sudo: //Alice${r.allowLoopbackAxons ? '; loopback axons allowed' : ''}`,
            r.drand.beacon === 'devnet'
              ? `drand: the devnet's TEST beacon (public key ${r.drand.publicKey.slice(0, 18)}…), a round per second of chain time`
              : 'drand: quicknet declared; hand it pulses with dev_drandPulse',
            'dev accounts (sr25519):',
            ...r.accounts.map((a) => `  ${a.uri.padEnd(9)} ${a.address}  ${(BigInt(a.balance) / 1_000_000_000n).toLocaleString('en-US')} TAO`),
            'press Ctrl-C to stop',
          ].join('\n'),
      );
      await new Promise<void>((resolve) => {
        if (signal.aborted) return resolve();
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
    } finally {
      await devnet.close();
      log.info('devnet stopped', { bestBlock: devnet.chain.bestBlock.number, ...(options.state ? { saved: options.state } : {}) });
    }
  },
});

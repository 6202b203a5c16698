/**
 * `flopnet miner`: loads the hotkey, registers it when asked, syncs the metagraph, serves the axon,
 * publishes it on chain, and answers challenges until Ctrl-C.
 */
import { z } from 'zod';
import { defineCommand } from '../../shared/cli/command.js';
import { axonOptions, netuidOption, subtensorOptions, walletOptions } from '../../shared/config/common.js';
import { defineOptions, zBool, zInt } from '../../shared/config/options.js';
import { FlopnetError, UsageError } from '../../shared/errors.js';
import { createLogger, type Logger } from '../../shared/log.js';
import { coldkeyOf, hotkeyOf, withClient } from '../../shared/chain/cli.js';
import type { ChainClient } from '../../shared/chain/client.js';
import { MetagraphSync } from '../../shared/chain/metagraph.js';
import { taoToRao } from '../../shared/chain/units.js';
import { sameEndpoint } from '../../shared/chain/ip.js';
import { DEFAULT_SLOT_BLOCKS } from '../../shared/challenge/schedule.js';
import { createSigner } from '../../shared/protocol/signing.js';
import { BACKEND_KINDS, createBackend, devicesOption } from '../backends/index.js';
import { ADVERSARY_FORMS, parseAdversary } from '../backends/adversary.js';
import { gemmBackendOptions, gemmOptions } from './gemm-options.js';
import { Miner, type MinerStats } from '../miner.js';
import { DeviceQueue } from '../queue.js';
import { StatusLine, formatStatus } from '../status.js';
import { MinerMetrics } from '../metrics.js';
import { metricsOptions } from '../../shared/metrics/options.js';
import type { ReadOnlyServer } from '../../shared/metrics/http.js';

export const minerOptions = defineOptions({
  ...netuidOption,
  ...walletOptions,
  ...subtensorOptions,
  ...axonOptions,
  ...metricsOptions,
  backend: {
    key: 'backend',
    arg: '<kind>',
    description: 'compute backend: auto | cpu | gpujs | cuda',
    schema: z.enum(BACKEND_KINDS, 'auto, cpu, gpujs or cuda'),
    default: 'auto' as (typeof BACKEND_KINDS)[number],
  },
  ...devicesOption,
  register: {
    key: 'register',
    description: 'register the hotkey first (burned_register, paid by the coldkey) when it is not registered',
    schema: zBool,
    default: false,
  },
  minStake: {
    key: 'min-stake',
    arg: '<TAO>',
    description: 'also serve registered hotkeys without a validator permit that hold at least this stake',
    // Kept as text: taoToRao converts it exactly, where a float would round.
    schema: z
      .union([z.number(), z.string()])
      .transform(String)
      .pipe(z.string().trim().regex(/^\d+(\.\d{0,9})?$/, 'an amount of TAO, e.g. 1000 or 0.5 (at most 9 decimals)')),
    aliases: ['--min_stake'],
  },
  extraHotkeys: {
    key: 'extra-hotkeys',
    arg: '<name:port,...>',
    description:
      'also serve these hotkeys of the same wallet from the same backend, each on its own axon port; validators challenge them at the same moment, so together they earn what one device earns',
    schema: z
      .string()
      .trim()
      .regex(/^[^:,/\\\s]+:\d+(,[^:,/\\\s]+:\d+)*$/, 'a comma-separated list of hotkey:port, e.g. hk2:8092,hk3:8093')
      .transform((list) => list.split(',').map((item) => ({ hotkey: item.split(':')[0]!, port: Number(item.split(':')[1]) }))),
  },
  threads: { key: 'threads', arg: '<n>', description: 'worker threads of the cpu backend (default: every core)', schema: zInt(1, 1024) },
  ...gemmOptions,
  slotBlocks: {
    key: 'slot-blocks',
    arg: '<n>',
    description: "blocks per slot of the challenge schedule: the subnet's slotBlocks (its validators' incentive config)",
    schema: zInt(1, 100_000),
    default: DEFAULT_SLOT_BLOCKS,
  },
  adversary: {
    key: 'adversary',
    arg: '<form>',
    description: `cheat on purpose, to watch validators catch it (demos, validator tests): ${ADVERSARY_FORMS.join(' | ')}`,
    schema: z.string().min(1),
    helpGroup: 'Testing:',
  },
});

export interface ServedHotkey {
  uid: number;
  hotkey: string;
  axon: { ip: string; port: number };
  stats: MinerStats;
}

export interface MinerResult extends ServedHotkey {
  netuid: number;
  /** The --extra-hotkeys served from the same backend. */
  extra?: ServedHotkey[];
}

/** Blocks between two serve_axon attempts while the chain refuses with its serving rate limit. */
const PUBLISH_RETRY_BLOCKS = 10;

/**
 * Keeps the chain's record of this axon equal to where it listens: serve_axon when the published address
 * differs, retried every PUBLISH_RETRY_BLOCKS blocks while the chain's serving rate limit refuses it
 * (a restart on a new port must not end the miner: it serves at once, validators find it once published).
 */
class AxonPublisher {
  private lastAttempt = -Infinity;
  private inFlight = false;
  private warned = false;
  constructor(
    private readonly client: ChainClient,
    private readonly hotkey: ReturnType<typeof hotkeyOf>,
    private readonly netuid: number,
    private readonly ip: string,
    private readonly port: number,
    private readonly signal: AbortSignal,
    private readonly log: Logger,
  ) {}

  /** Resolves once published or refused for a reason worth retrying; throws for anything else. */
  async check(current: { ip: string; port: number } | undefined, block: number): Promise<void> {
    if (sameEndpoint(current, { ip: this.ip, port: this.port })) return;
    if (this.inFlight || block - this.lastAttempt < PUBLISH_RETRY_BLOCKS) return;
    this.inFlight = true;
    this.lastAttempt = block;
    try {
      await this.client.serveAxon({ hotkey: this.hotkey, netuid: this.netuid, ip: this.ip, port: this.port, signal: this.signal });
      this.log.info('axon published on chain', { ip: this.ip, port: this.port });
    } catch (error) {
      if (!(error instanceof FlopnetError) || error.code !== 'E_RATE_LIMIT') throw error;
      if (!this.warned) this.log.warn(`the chain's serving rate limit refused serve_axon: serving anyway, retrying every ${PUBLISH_RETRY_BLOCKS} blocks`, { ip: this.ip, port: this.port });
      else this.log.debug('serve_axon still rate limited', { block });
      this.warned = true;
    } finally {
      this.inFlight = false;
    }
  }
}

export const minerCommand = defineCommand({
  name: 'miner',
  description: 'run a miner: serve FLOPS challenges from a compute backend',
  options: minerOptions,
  examples: [
    'flopnet miner --netuid 1 --wallet.name miner --axon.port 8091 --axon.external_ip 203.0.113.7',
    'flopnet miner --netuid 1 --register --backend cpu --subtensor.chain_endpoint ws://127.0.0.1:9944 --axon.external_ip 127.0.0.1',
    'flopnet miner --netuid 1 --wallet.name miner --axon.external_ip 203.0.113.7 --extra-hotkeys second:8092',
    'flopnet miner --netuid 1 --wallet.name miner --axon.external_ip 203.0.113.7 --backend cuda --devices all',
  ],
  action: async ({ options, log: baseLog, signal, output }) => {
    const { netuid } = options;
    if (netuid === undefined) throw new UsageError('flopnet miner needs --netuid', { hint: 'flopnet miner --netuid 1 --axon.external_ip <your public IP>' });
    const externalIp = options.axonExternalIp;
    if (externalIp === undefined) {
      throw new UsageError('flopnet miner needs --axon.external_ip: the address validators reach this miner at', {
        hint: 'pass your public IP, e.g. --axon.external_ip 203.0.113.7 (the chain refuses 127.0.0.1 outside a devnet)',
      });
    }
    const served = [{ hotkey: options.walletHotkey, port: options.axonPort }, ...(options.extraHotkeys ?? [])];
    for (const [i, s] of served.entries()) {
      const twin = served.findIndex((o) => o.hotkey === s.hotkey || o.port === s.port);
      if (twin !== i) {
        throw new UsageError(`hotkey ${s.hotkey} on port ${s.port} clashes with hotkey ${served[twin]!.hotkey} on port ${served[twin]!.port}`, {
          hint: 'give every served hotkey its own name and its own --axon.port / --extra-hotkeys port',
        });
      }
    }
    const adversary = options.adversary === undefined ? undefined : parseAdversary(options.adversary);
    // A live status line on a terminal; logs then go above it.
    const tty = process.stderr.isTTY && !options.json && !options.loggingJson;
    const status = tty ? new StatusLine(process.stderr) : undefined;
    const log = status
      ? createLogger({ level: baseLog.level, format: 'text', component: 'miner', write: (line) => status.log(line) })
      : baseLog;
    if (adversary) log.warn('cheating on purpose: validators will reject this miner\'s answers', { adversary: options.adversary });

    const hotkeys = served.map((s) => hotkeyOf({ ...options, walletHotkey: s.hotkey }));
    const backend = await createBackend(options.backend, log.child('backend'), {
      ...(options.threads !== undefined ? { threads: options.threads } : {}),
      ...gemmBackendOptions(options),
      ...(adversary ? { adversary } : {}),
      ...(options.devices ? { devices: options.devices } : {}),
    });
    try {
      await withClient(options, log, signal, async (client) => {
        const uids: number[] = [];
        for (const [i, hotkey] of hotkeys.entries()) {
          let uid = await client.getUid({ netuid, hotkey: hotkey.address });
          if (uid === undefined) {
            if (!options.register) {
              throw new FlopnetError(`hotkey ${hotkey.address} is not registered on subnet ${netuid}`, {
                code: 'E_NOT_REGISTERED',
                hint: `run flopnet register --netuid ${netuid} --wallet.name ${options.walletName} --wallet.hotkey ${served[i]!.hotkey}, or add --register`,
              });
            }
            ({ uid } = await client.burnedRegister({ coldkey: await coldkeyOf(options), hotkey: hotkey.address, netuid, signal }));
            log.info('registered', { netuid, uid, hotkey: hotkey.address });
          }
          uids.push(uid);
        }

        const sync = new MetagraphSync(client, { netuid, everyBlocks: 1, log: log.child('metagraph') });
        const registered = new Map(hotkeys.map((h) => [h.address, true]));
        sync.on('update', (m) => {
          // A uid can be replaced by a newer registration; validators then no longer find this miner.
          for (const { address } of hotkeys) {
            const now = m.neurons.some((n) => n.hotkey === address);
            if (registered.get(address) && !now) log.warn('a served hotkey is no longer registered on the subnet: validators will not find it', { netuid, hotkey: address, hint: 'register again (flopnet register)' });
            registered.set(address, now);
          }
        });
        const metrics = options.metricsPort === undefined ? undefined : new MinerMetrics({ hotkeys: hotkeys.map((h) => h.address), healthBlocks: options.healthBlocks });
        let block = (await sync.start()).block;
        // Every miner follows the blocks: at each slot boundary it stops what runs out of slot.
        const onBlock = new Set<(block: number) => void>();
        const unsubscribe = await client.subscribeBlocks((b) => {
          metrics?.block(b.number);
          if (b.number <= block) return;
          block = b.number;
          for (const listener of onBlock) listener(block);
        });
        const miners: Miner[] = [];
        const publishers: AxonPublisher[] = [];
        const republish = (): void => {
          for (const [i, publisher] of publishers.entries()) {
            publisher.check(sync.neuron(hotkeys[i]!.address)?.axon, block).catch((error: unknown) => log.error('serve_axon failed', { error }));
          }
        };
        let statusTimer: NodeJS.Timeout | undefined;
        let metricsServer: ReadOnlyServer | undefined;
        let unfollow: (() => void) | undefined;
        // One device, one queue: a challenge to any served hotkey waits for the device like any other.
        const queue = new DeviceQueue({ capacity: 4 * hotkeys.length });
        // Measured before serving: a first window then pays neither for warming a class up nor for
        // measuring it, and the miner can refuse a GEMM too long for its device from the first challenge.
        const paces = await queue.pace.calibrateDevice(backend, await backend.describe(), signal);
        log.info('device measured', Object.fromEntries([...paces].map(([p, f]) => [p, `${(f / 1e9).toPrecision(3)} GFLOP/s`])));
        try {
          for (const [i, hotkey] of hotkeys.entries()) {
            const miner = await Miner.start({
              signer: createSigner(hotkey),
              backend,
              metagraph: { current: () => sync.metagraph, block: () => block, onBlock: (listener) => (onBlock.add(listener), () => onBlock.delete(listener)) },
              port: served[i]!.port,
              queue,
              slotBlocks: options.slotBlocks,
              policy: { minStake: options.minStake === undefined ? undefined : taoToRao(options.minStake) },
              log: hotkeys.length > 1 ? log.child(served[i]!.hotkey) : log,
              ...metrics?.hooks(hotkey.address),
            });
            miners.push(miner);
            const publisher = new AxonPublisher(client, hotkey, netuid, externalIp, miner.port, signal, log);
            publishers.push(publisher);
            await publisher.check(sync.neuron(hotkey.address)?.axon, block);
          }
          if (metrics) {
            metrics.setStats(() => miners.map((m) => m.stats()));
            unfollow = metrics.follow(sync, client, netuid, log.child('metrics'));
            metricsServer = await metrics.serve({ host: options.metricsHost, port: options.metricsPort!, log: log.child('metrics') });
            log.info('metrics served', { url: `${metricsServer.url}/metrics`, health: `${metricsServer.url}/healthz` });
          }
          statusTimer = status && setInterval(() => status.update(formatStatus(miners[0]!.stats(), sync.neuron(hotkeys[0]!.address)?.uid, block)), 500);
          sync.on('update', republish);
          log.info('miner running: Ctrl-C stops it', {
            netuid,
            uid: uids.join(','),
            hotkey: hotkeys.map((h) => h.address).join(','),
            port: miners.map((m) => m.port).join(','),
            device: miners[0]!.device.name,
          });
          if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
        } finally {
          clearInterval(statusTimer);
          unfollow?.();
          await metricsServer?.close();
          sync.off('update', republish);
          status?.clear();
          unsubscribe();
          sync.stop();
          queue.close();
          for (const miner of miners) await miner.close();
        }
        const result = miners.map((m, i): ServedHotkey => ({ uid: uids[i]!, hotkey: m.hotkey, axon: { ip: externalIp, port: m.port }, stats: m.stats() }));
        output<MinerResult>(
          { netuid, ...result[0]!, ...(result.length > 1 ? { extra: result.slice(1) } : {}) },
          (r) =>
            [r, ...(r.extra ?? [])]
              .map((x) => `miner ${x.hotkey} stopped: ${x.stats.challenges.ok} challenges answered, ${x.stats.challenges.failed} failed, ${x.stats.served} requests served`)
              .join('\n'),
        );
      });
    } finally {
      await backend.close();
    }
  },
});

/**
 * The chain: runtime + head state + blocks + pool + block producer. RPC handlers only talk to this.
 *
 * Head state is one map; each block keeps an undo log (previous values of the keys it wrote), so
 * any of the last BLOCK_HASH_COUNT blocks can be read (`api.at(hash)`, events at the inBlock hash)
 * without copying the state per block.
 */
import { EventEmitter } from 'node:events';
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { u8aToHex, hexToU8a } from '@polkadot/util';
import { blake2AsU8a } from '@polkadot/util-crypto';
import { Keyring } from '@polkadot/keyring';
import { z } from 'zod';
import { FlopnetError } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import { createRuntime, type ExtensionSet, type Runtime } from './runtime/runtime.js';
import { MapState, type StateReader } from './runtime/storage.js';
import { isHex } from './runtime/types.js';
import { buildBlock, headerHash, type Header } from './runtime/block-builder.js';
import { FaultInjector } from './runtime/faults.js';
import { BlockProducer, TxPool, type BlockMode, type PoolEntry } from './runtime/pool.js';
import { BLOCK_HASH_COUNT } from './pallets/system.js';
import { beaconOf, type DrandMode } from './pallets/drand.js';
import { verifyRound, InvalidPointError } from '../shared/chain/timelock/bls.js';
import { TAO, type RuntimeVariant } from './pallets/subtensor/index.js';

export interface Block {
  number: number;
  hash: string;
  header: Header;
  extrinsics: string[];
  /** Previous values of the keys this block wrote (undefined = absent); null once pruned. */
  undo: Map<string, Uint8Array | undefined> | null;
}

export interface DevAccount {
  name: string;
  uri: string;
  address: string;
  publicKey: string;
  /** Free balance at genesis, rao. */
  balance: bigint;
}

/** Localnet's endowment: Alice, Bob, Charlie 1 000 000 TAO; the others 2 000 TAO. Alice is sudo. */
export const DEV_ACCOUNTS: readonly { name: string; balance: bigint }[] = [
  { name: 'Alice', balance: 1_000_000n * TAO },
  { name: 'Bob', balance: 1_000_000n * TAO },
  { name: 'Charlie', balance: 1_000_000n * TAO },
  { name: 'Dave', balance: 2_000n * TAO },
  { name: 'Eve', balance: 2_000n * TAO },
  { name: 'Ferdie', balance: 2_000n * TAO },
];

export interface ChainOptions {
  blockMode: BlockMode;
  blockTimeMs: number;
  /** Accept 127.0.0.1 / ::1 axons (subtensor refuses them). Default false. */
  allowLoopbackAxons: boolean;
  /** Tempo of new subnets; default 10 as a fast-runtime localnet. */
  defaultTempo: number;
  /** subtensor's pool-level checks (Custom errors); default true. */
  poolChecks: boolean;
  /**
   * Signed extensions in the metadata: `frame` (default; what an unmodified @polkadot/api encodes) or
   * `subtensor` (HEAD's names, incl. ChargeTransactionPaymentWrapper and CheckMetadataHash).
   */
  extensions: ExtensionSet;
  /** Where the runtime differs from spec 425 (older runtimes' shapes; test/devnet/variants.test.ts). */
  runtime?: Partial<RuntimeVariant>;
  /**
   * Delay between an extrinsic's inBlock and finalized statuses. @polkadot/api drops the InBlock result
   * when Finalized arrives before it has fetched the block's events, which at 250 ms happened on a loaded
   * 2-core machine; a node finalizes seconds later anyway.
   */
  finalityDelayMs: number;
  /**
   * The Drand pallet's beacon: `devnet` (default) signs rounds with the devnet's public test key, so
   * timelocked commits reveal with no network; `quicknet` declares drand quicknet and stores only the
   * pulses handed to `dev_drandPulse` (real pulses from public vectors).
   */
  drand: DrandMode;
  log?: Logger;
}

export const DEFAULT_CHAIN_OPTIONS: ChainOptions = {
  blockMode: 'interval',
  blockTimeMs: 250,
  allowLoopbackAxons: false,
  defaultTempo: 10,
  poolChecks: true,
  extensions: 'frame',
  finalityDelayMs: 1000,
  drand: 'devnet',
};

const savedStateSchema = z.object({
  version: z.literal(1),
  genesisHash: z.string().regex(/^0x[0-9a-f]{64}$/),
  head: z.object({
    number: z.number().int().nonnegative(),
    parentHash: z.string().regex(/^0x[0-9a-f]{64}$/),
    stateRoot: z.string().regex(/^0x[0-9a-f]{64}$/),
    extrinsicsRoot: z.string().regex(/^0x[0-9a-f]{64}$/),
  }),
  storage: z.record(z.string().refine((s) => isHex(s) && s.length > 2), z.string().refine(isHex)),
});
export type SavedState = z.infer<typeof savedStateSchema>;

let cachedRuntime: { key: string; runtime: Runtime } | undefined;
let devAccountsCache: DevAccount[] | undefined;

export class Chain extends EventEmitter {
  readonly runtime: Runtime;
  readonly head = new MapState();
  readonly pool: TxPool;
  readonly producer: BlockProducer;
  /** Failures armed by `dev_failNext` for the next extrinsics of a call. */
  readonly faults: FaultInjector;
  readonly genesisHash: string;
  private readonly blocks = new Map<number, Block>();
  private readonly byHash = new Map<string, Block>();
  private best!: Block;
  private readonly finalityTimers = new Set<NodeJS.Timeout>();
  private pendingPulses: { round: bigint; signature: Uint8Array }[] = [];
  readonly options: ChainOptions;

  constructor(options: Partial<ChainOptions> = {}, saved?: SavedState) {
    super();
    this.setMaxListeners(0);
    this.options = { ...DEFAULT_CHAIN_OPTIONS, ...options };
    const key = JSON.stringify([this.options.allowLoopbackAxons, this.options.defaultTempo, this.options.extensions, this.options.blockTimeMs, this.options.runtime ?? {}]);
    // Building the runtime (metadata encoding) is the slow part of start-up; tests start many devnets.
    if (cachedRuntime?.key !== key) cachedRuntime = { key, runtime: createRuntime({ ...this.options, ...(this.options.runtime ? { variant: this.options.runtime } : {}) }) };
    this.runtime = cachedRuntime.runtime;
    if (saved) {
      for (const [k, v] of Object.entries(saved.storage)) this.head.map.set(k, hexToU8a(v));
      const header: Header = {
        parentHash: hexToU8a(saved.head.parentHash),
        number: saved.head.number,
        stateRoot: hexToU8a(saved.head.stateRoot),
        extrinsicsRoot: hexToU8a(saved.head.extrinsicsRoot),
      };
      this.genesisHash = saved.genesisHash;
      this.addBlock(header, [], null);
    } else {
      this.genesis();
      const header: Header = { parentHash: new Uint8Array(32), number: 0, stateRoot: this.stateRootOfHead(), extrinsicsRoot: blake2AsU8a(new Uint8Array(), 256) };
      this.genesisHash = u8aToHex(headerHash(header));
      this.addBlock(header, [], null);
      // Block 0's hash is known from genesis, as frame_system stores it.
      this.runtime.system.BlockHash.set(this.head, 0, hexToU8a(this.genesisHash));
    }
    this.faults = new FaultInjector(this.runtime.pallets);
    this.pool = new TxPool(this.runtime, () => this.view(), { poolChecks: this.options.poolChecks });
    this.producer = new BlockProducer(
      this.options.blockMode,
      this.options.blockTimeMs,
      () => this.newBlock(),
      () => this.pool.pending.length,
      (error) => this.options.log?.error('block production failed', { error: error instanceof Error ? error.stack ?? error.message : String(error) }),
    );
  }

  static load(file: string, options: Partial<ChainOptions> = {}): Chain {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Chain(options);
      throw new FlopnetError(`cannot read devnet state ${file}: ${(error as Error).message}`, {
        code: 'E_DEVNET_STATE',
        hint: 'delete the file to start a fresh chain, or pass another --state path',
        cause: error,
      });
    }
    const parsed = savedStateSchema.safeParse(raw);
    if (!parsed.success) {
      throw new FlopnetError(`${file} is not a flopnet devnet state file (${parsed.error.issues[0]?.message ?? 'invalid'})`, {
        code: 'E_DEVNET_STATE',
        hint: 'delete the file to start a fresh chain, or pass another --state path',
      });
    }
    return new Chain(options, parsed.data);
  }

  /** Writes storage + head atomically (temp file + rename). */
  save(file: string): void {
    const h = this.best.header;
    const data: SavedState = {
      version: 1,
      genesisHash: this.genesisHash,
      head: { number: h.number, parentHash: u8aToHex(h.parentHash), stateRoot: u8aToHex(h.stateRoot), extrinsicsRoot: u8aToHex(h.extrinsicsRoot) },
      storage: Object.fromEntries([...this.head.map].map(([k, v]) => [k, u8aToHex(v)])),
    };
    writeFileSync(`${file}.tmp`, JSON.stringify(data));
    renameSync(`${file}.tmp`, file);
  }

  private genesis(): void {
    const st = this.head;
    const { system, balances, sudo, subtensor } = this.runtime;
    let issuance = 0n;
    const accounts = Chain.devAccounts();
    for (const a of accounts) {
      system.Account.set(st, hexToU8a(a.publicKey), { nonce: 0, consumers: 0, providers: 1, sufficients: 0, data: { free: a.balance, reserved: 0n, frozen: 0n, flags: 1n << 127n } });
      issuance += a.balance;
    }
    balances.TotalIssuance.set(st, issuance);
    subtensor.storage.TotalIssuance.set(st, issuance);
    sudo.Key.set(st, hexToU8a(accounts[0]!.publicKey));
    subtensor.genesis(st);
    this.runtime.drand?.genesis(st, this.options.drand);
  }

  private stateRootOfHead(): Uint8Array {
    const keys = [...this.head.map.keys()].sort();
    return blake2AsU8a(Buffer.concat(keys.flatMap((k) => [Buffer.from(k.slice(2), 'hex'), Buffer.from(this.head.map.get(k)!)])), 256);
  }

  private addBlock(header: Header, extrinsics: string[], undo: Block['undo']): Block {
    const block: Block = { number: header.number, hash: u8aToHex(headerHash(header)), header, extrinsics, undo };
    this.blocks.set(block.number, block);
    this.byHash.set(block.hash, block);
    this.best = block;
    const old = this.blocks.get(block.number - BLOCK_HASH_COUNT);
    if (old) old.undo = null;
    return block;
  }

  view() {
    return {
      state: this.head,
      genesisHash: hexToU8a(this.genesisHash),
      bestNumber: this.best.number,
      blockHash: (n: number) => {
        const hash = n <= this.best.number && this.best.number - n < BLOCK_HASH_COUNT ? this.hashOfNumber(n) : undefined;
        return hash ? hexToU8a(hash) : undefined;
      },
      specVersion: this.runtime.version.specVersion,
      transactionVersion: this.runtime.version.transactionVersion,
    };
  }

  get bestBlock(): Block {
    return this.best;
  }

  blockByNumber(n: number): Block | undefined {
    return this.blocks.get(n);
  }

  /**
   * A block's hash by number. A chain resumed from a state file has no block bodies before its
   * head, but System.BlockHash still holds the last BLOCK_HASH_COUNT hashes, as on a node.
   */
  hashOfNumber(n: number): string | undefined {
    if (n === 0) return this.genesisHash;
    const block = this.blocks.get(n);
    if (block) return block.hash;
    if (n > this.best.number) return undefined;
    const stored = this.runtime.system.BlockHash.get(this.head, n);
    return stored.some((b) => b !== 0) ? u8aToHex(stored) : undefined;
  }

  blockByHash(hash: string): Block | undefined {
    return this.byHash.get(hash.toLowerCase());
  }

  /** State as of a block (default best). Throws once the block's undo history is pruned. */
  stateAt(hash?: string | null): StateReader {
    if (!hash || hash.toLowerCase() === this.best.hash) return this.head;
    const block = this.blockByHash(hash);
    if (!block) throw new FlopnetError(`Unknown block ${hash}`, { code: 'E_UNKNOWN_BLOCK' });
    const newer: Block[] = [];
    for (let n = this.best.number; n > block.number; n--) {
      const b = this.blocks.get(n)!;
      if (!b.undo) throw new FlopnetError(`State already discarded for ${hash}`, { code: 'E_STATE_DISCARDED' });
      newer.push(b);
    }
    const head = this.head;
    return {
      get(key: string) {
        let found = false;
        let value: Uint8Array | undefined;
        for (const b of newer) {
          if (b.undo!.has(key)) {
            found = true;
            value = b.undo!.get(key);
          }
        }
        return found ? value : head.get(key);
      },
    };
  }

  /** All keys present at a block, sorted (for state_getKeysPaged). */
  keysAt(hash: string | null | undefined, prefix: string): string[] {
    let keys: Set<string>;
    if (!hash || hash.toLowerCase() === this.best.hash) {
      keys = new Set(this.head.map.keys());
    } else {
      const reader = this.stateAt(hash);
      keys = new Set(this.head.map.keys());
      const block = this.blockByHash(hash)!;
      for (let n = this.best.number; n > block.number; n--) for (const k of this.blocks.get(n)!.undo!.keys()) keys.add(k);
      for (const k of [...keys]) if (reader.get(k) === undefined) keys.delete(k);
    }
    return [...keys].filter((k) => k.startsWith(prefix)).sort();
  }

  /**
   * Queues a drand pulse for the next block, as pallet-drand's offchain worker submits one: verified
   * against the chain's BeaconConfig key first, and refused when the round is already stored.
   */
  queuePulse(round: bigint, signature: Uint8Array): void {
    const { drand } = this.runtime;
    if (!drand) throw new FlopnetError(`this runtime (spec ${this.runtime.version.specVersion}) has no Drand pallet`, { code: 'E_DRAND_ROUND' });
    const config = drand.BeaconConfig.get(this.head);
    const last = drand.LastStoredRound.get(this.head);
    if (round <= last) throw new FlopnetError(`drand round ${round} is not after the last stored round ${last}`, { code: 'E_DRAND_ROUND' });
    let valid: boolean;
    try {
      valid = verifyRound(beaconOf(config).publicKey, round, signature);
    } catch (error) {
      if (!(error instanceof InvalidPointError)) throw error;
      throw new FlopnetError(`drand pulse for round ${round}: ${error.message}`, { code: 'E_DRAND_PULSE' });
    }
    if (!valid) throw new FlopnetError(`drand pulse for round ${round} does not verify under the chain's beacon key`, { code: 'E_DRAND_PULSE', hint: 'start the devnet with --drand quicknet to accept quicknet pulses' });
    this.pendingPulses.push({ round, signature });
  }

  submit(hex: string): PoolEntry {
    const entry = this.pool.submit(hex);
    this.producer.submitted();
    return entry;
  }

  /** Builds one block from the pool (one extrinsic per block in instant mode). */
  newBlock(): Block {
    const entries = this.pool.take(this.options.blockMode === 'instant' ? 1 : Infinity);
    const parent = this.best;
    let built: ReturnType<typeof buildBlock>;
    try {
      built = buildBlock(
        this.runtime,
        this.head,
        { number: parent.number, hash: hexToU8a(parent.hash), stateRoot: parent.header.stateRoot },
        entries.map((e) => e.x),
        (msg, fields) => this.options.log?.error(msg, fields),
        this.faults,
        { now: Date.now(), pulses: this.pendingPulses },
      );
      this.pendingPulses = [];
    } catch (error) {
      // The head is untouched (the block was built over an overlay); its extrinsics are dropped.
      for (const e of entries) for (const w of e.watchers) w('dropped');
      throw error;
    }
    const undo = new Map<string, Uint8Array | undefined>();
    for (const [k, v] of built.changes) {
      undo.set(k, this.head.map.get(k));
      this.head.set(k, v);
    }
    const block = this.addBlock(built.header, built.extrinsics.map((x) => u8aToHex(x)), undo);
    this.emit('block', block);
    for (const [i, entry] of entries.entries()) {
      const outcome = built.outcomes[i]!;
      if (!outcome.included) {
        for (const w of entry.watchers) w('invalid');
        continue;
      }
      for (const w of entry.watchers) w({ inBlock: block.hash });
      const timer = setTimeout(() => {
        this.finalityTimers.delete(timer);
        for (const w of entry.watchers) w({ finalized: block.hash });
      }, this.options.finalityDelayMs);
      this.finalityTimers.add(timer);
    }
    return block;
  }

  start(): void {
    this.producer.start();
  }

  stop(): void {
    this.producer.stop();
    for (const t of this.finalityTimers) clearTimeout(t);
    this.finalityTimers.clear();
  }

  /** Dev accounts with their genesis balances (Alice is the sudo key). */
  static devAccounts(): DevAccount[] {
    // sr25519 derivation costs a few ms per key; tests start many devnets in one process.
    devAccountsCache ??= DEV_ACCOUNTS.map((a) => {
      const pair = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri(`//${a.name}`);
      return { name: a.name, uri: `//${a.name}`, address: pair.address, publicKey: u8aToHex(pair.publicKey), balance: a.balance };
    });
    return devAccountsCache.map((a) => ({ ...a }));
  }
}

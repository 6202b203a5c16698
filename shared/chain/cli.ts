/**
 * What the chain commands (`flopnet subnet|register|stake|weights|metagraph`) share: connecting from
 * the --subtensor.* options, loading wallet keys, plain-text tables, TAO formatting.
 */
import { chainEndpoint, type NetworkName } from '../config/common.js';
import type { Logger } from '../log.js';
import { loadColdkey, loadHotkey, readColdkeyPub, readHotkeyPub } from '../wallet/index.js';
import { connect, type ChainClient } from './client.js';
import type { Signer } from './context.js';

export interface ChainCommandOptions {
  network: NetworkName;
  chainEndpoint?: string | undefined;
}

export interface WalletCommandOptions {
  walletName: string;
  walletHotkey: string;
  walletPath: string;
}

/** Connects as the options say, runs `fn`, and always disconnects. */
export async function withClient<T>(options: ChainCommandOptions, log: Logger, signal: AbortSignal, fn: (client: ChainClient) => Promise<T>): Promise<T> {
  // A one-shot command gives up after a few refused attempts instead of waiting out the timeout.
  const client = await connect({ endpoint: chainEndpoint(options), log, signal, maxAttempts: 3 });
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

export const coldkeyOf = (o: WalletCommandOptions): Promise<Signer> => loadColdkey({ name: o.walletName, path: o.walletPath });
export const hotkeyOf = (o: WalletCommandOptions): Signer => loadHotkey({ name: o.walletName, path: o.walletPath, hotkey: o.walletHotkey });
export const coldkeyAddress = (o: WalletCommandOptions): string => readColdkeyPub({ name: o.walletName, path: o.walletPath });
export const hotkeyAddress = (o: WalletCommandOptions): string => readHotkeyPub({ name: o.walletName, path: o.walletPath, hotkey: o.walletHotkey });

/** A left/right aligned text table; `right` lists the columns to right-align (numbers). */
export function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>, right: ReadonlySet<number> = new Set()): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Shortens an ss58 address for tables: 5Grwva…utQY. */
export const shortAddress = (a: string): string => (a.length > 12 ? `${a.slice(0, 6)}…${a.slice(-4)}` : a);

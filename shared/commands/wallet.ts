/**
 * `flopnet wallet ...`: btcli's wallet commands over the same files, so a wallet made by either tool
 * works in the other. Flags follow btcli (`--n-words`, `--use-password/--no-use-password`, `--uri`,
 * `--overwrite`, `--mnemonic`, `--seed`, `--json FILE --json-password PW`).
 */
import { Option, type Command } from 'commander';
import { z } from 'zod';
import { UsageError } from '../errors.js';
import type { Logger } from '../log.js';
import { defineCommand, defineGroup } from '../cli/command.js';
import { walletOptions } from '../config/common.js';
import { defineOptions, zBool, zInt } from '../config/options.js';
import { MNEMONIC_WORD_COUNTS, type MnemonicWords } from '../wallet/keypair.js';
import { promptHidden } from '../wallet/password.js';
import {
  assertNoKeyfiles,
  createColdkey,
  createHotkey,
  listWallets,
  readColdkeyPub,
  readHotkeyPub,
  showWallet,
  walletPaths,
  type KeySource,
  type WalletSummary,
} from '../wallet/wallet.js';

const words = z.union([z.string(), z.array(z.string()).transform((a) => a.join(' '))]).pipe(z.string().min(1));

const nWordsOption = defineOptions({
  nWords: {
    key: 'n-words',
    arg: '<n>',
    description: 'number of mnemonic words for a new key',
    schema: zInt(12, 24).refine((n) => (MNEMONIC_WORD_COUNTS as readonly number[]).includes(n)),
    expect: '12, 15, 18, 21 or 24',
    default: 12,
    aliases: ['--n_words'],
  },
});
const usePasswordOption = defineOptions({
  usePassword: {
    key: 'use-password',
    description: 'encrypt the key with a password (--no-use-password: store it plaintext)',
    schema: zBool,
    aliases: ['--use_password'],
    fileKey: false,
  },
});
const overwriteOption = defineOptions({
  overwrite: { key: 'overwrite', description: 'replace existing keyfiles (their keys are lost without a mnemonic)', schema: zBool, default: false, fileKey: false },
});
const uriOption = defineOptions({
  uri: { key: 'uri', arg: '<uri>', description: 'derive the key from a dev URI: alice (= //Alice), //Bob, ...', schema: z.string().min(1), fileKey: false },
});
const regenOptions = defineOptions({
  mnemonic: { key: 'mnemonic', arg: '<words...>', description: 'the 12-24 word mnemonic (quoted or not; btcli numbering 1-word ... accepted)', schema: words, fileKey: false },
  seed: { key: 'seed', arg: '<hex>', description: 'the 32-byte secretSeed, hex', schema: z.string().min(1), fileKey: false },
  jsonBackup: {
    key: 'json-backup',
    short: '-j',
    arg: '<file>',
    description: 'a polkadot-js JSON account backup (btcli: --json FILE)',
    schema: z.string().min(1),
    fileKey: false,
  },
  jsonPassword: { key: 'json-password', arg: '<password>', description: 'password of the JSON backup (asked on a terminal if absent)', schema: z.string(), fileKey: false },
});

const { walletName, walletHotkey, walletPath } = walletOptions;

/** Adds btcli's negated switches beside the boolean specs: `--no-use-password` and `--no-overwrite`. */
function withNegations(command: Command, noPasswordHelp: string): Command {
  command.addOption(new Option('--no-use-password', noPasswordHelp));
  command.addOption(new Option('--no-overwrite', 'keep existing keyfiles (the default)').hideHelp());
  return command;
}

/**
 * btcli's regen commands read `--json FILE` as a polkadot-js backup, while every flopnet command reads
 * `--json` as "print JSON". Before commander parses, `--json` followed by a value that is not a flag
 * (or `--json=VALUE`) becomes `--json-backup VALUE`; a bare `--json` keeps its output meaning.
 */
export function rewriteJsonBackupArgs(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const next = argv[i + 1];
    if (arg === '--json' && next !== undefined && !next.startsWith('-')) {
      out.push('--json-backup', next);
      i++;
    } else if (arg.startsWith('--json=')) {
      out.push('--json-backup', arg.slice('--json='.length));
    } else {
      out.push(arg);
    }
  }
  return out;
}

function acceptBtcliJsonFlag(command: Command): Command {
  const parse = command.parseOptions.bind(command);
  command.parseOptions = (argv: string[]) => parse(rewriteJsonBackupArgs(argv));
  command.addHelpText(
    'after',
    '\nThe backup flag: btcli spells it `--json FILE`, which flopnet accepts too — `--json` followed by a\n' +
      'value is read as --json-backup FILE. A bare `--json` (or `--json-output`) prints the result as JSON.',
  );
  return command;
}

const IMPORTANT =
  'IMPORTANT: Store this mnemonic in a secure (preferable offline place), as anyone who has possession of this mnemonic can use it to regenerate the key and access your tokens.';

function mnemonicBlock(kind: 'coldkey' | 'hotkey', mnemonic: string): string {
  return `${IMPORTANT}\n\nThe mnemonic to the new ${kind} is: ${mnemonic}\nYou can use the mnemonic to recreate the key with \`btcli\` in case it gets lost.\n`;
}

interface WalletResult {
  success: true;
  error: '';
  data: { name: string; path: string; hotkey: string | null; hotkey_ss58: string | null; coldkey_ss58: string | null };
}

function walletResult(name: string, path: string, hotkey: string | null, hotkeySs58?: string, coldkeySs58?: string): WalletResult {
  const tryRead = (read: () => string): string | null => {
    try {
      return read();
    } catch {
      return null;
    }
  };
  return {
    success: true,
    error: '',
    data: {
      name,
      path: walletPaths({ name, path }).root,
      hotkey,
      hotkey_ss58: hotkeySs58 ?? (hotkey ? tryRead(() => readHotkeyPub({ name, path, hotkey })) : null),
      coldkey_ss58: coldkeySs58 ?? tryRead(() => readColdkeyPub({ name, path })),
    },
  };
}

/**
 * Text mode prints each new mnemonic once on stdout; --json keeps it out of the document and prints
 * it on stderr instead, so scripts never capture a secret with the result but a person still sees it.
 */
function showMnemonics(json: boolean, mnemonics: readonly ['coldkey' | 'hotkey', string | undefined][]): string {
  const text = mnemonics.flatMap(([kind, m]) => (m ? [mnemonicBlock(kind, m)] : [])).join('\n');
  if (json && text) process.stderr.write(text + '\n');
  return json ? '' : text;
}

/** btcli's line after a coldkey was made: the wallet and the coldkey, whatever --wallet.hotkey says. */
const coldkeyLine = (r: WalletResult): string =>
  `Wallet name: (${r.data.name}), path: (${r.data.path})` + (r.data.coldkey_ss58 ? `, coldkey ss58: (${r.data.coldkey_ss58})` : '');

const summaryLine = (r: WalletResult): string =>
  `Wallet name: (${r.data.name}), path: (${r.data.path})` +
  (r.data.coldkey_ss58 ? `, coldkey ss58: (${r.data.coldkey_ss58})` : '') +
  (r.data.hotkey ? `, hotkey: (${r.data.hotkey}), hotkey ss58: (${r.data.hotkey_ss58 ?? '?'})` : '');

/** Argon2i takes seconds; say why the command pauses (the prompt, if any, follows). */
function noteEncryption(log: Logger, kind: 'coldkey' | 'hotkey', encrypted: boolean): void {
  if (encrypted) log.info(`the ${kind} will be encrypted with a password (Argon2i key derivation takes a few seconds)`);
}

function fresh(opts: { uri?: string | undefined; nWords: number }): KeySource {
  return opts.uri !== undefined ? { uri: opts.uri } : { nWords: opts.nWords as MnemonicWords };
}

const createCommand = withNegations(
  defineCommand({
    name: 'create',
    description: 'create a wallet: a new coldkey (encrypted by default) and hotkey (plaintext by default)',
    options: { walletName, walletHotkey, walletPath, ...nWordsOption, ...usePasswordOption, ...overwriteOption, ...uriOption },
    examples: [
      'flopnet wallet create --wallet.name miner --wallet.hotkey default',
      'flopnet wallet create --wallet.name alice --uri alice --wallet.path /tmp/wallets   # dev key, plaintext',
    ],
    action: async ({ options: o, log, output }) => {
      const ref = { name: o.walletName, path: o.walletPath };
      const paths = walletPaths({ ...ref, hotkey: o.walletHotkey });
      // Refuse before anything is written, so a clash leaves no half-made wallet.
      if (!o.overwrite) assertNoKeyfiles([paths.coldkey, paths.coldkeypub, paths.hotkey, paths.hotkeypub]);
      const usePassword = o.usePassword ?? o.uri === undefined;
      noteEncryption(log, 'coldkey', usePassword);
      const cold = await createColdkey({ ...ref, ...fresh(o), usePassword, overwrite: o.overwrite });
      // btcli's --uri gives the hotkey the same dev account; a random mnemonic otherwise.
      const hot = await createHotkey({ ...ref, hotkey: o.walletHotkey, ...fresh(o), usePassword: false, overwrite: o.overwrite });
      const result = walletResult(o.walletName, o.walletPath, o.walletHotkey, hot.hotkey, cold.coldkey);
      const text = showMnemonics(o.json, [
        ['coldkey', cold.mnemonic],
        ['hotkey', hot.mnemonic],
      ]);
      output(result, () => `${text}${text ? '\n' : ''}Coldkey created\nHotkey created\n${summaryLine(result)}`);
    },
  }),
  'store the coldkey unencrypted (scripts, CI, devnets)',
);

const newColdkeyCommand = withNegations(
  defineCommand({
    name: 'new-coldkey',
    description: 'create a new coldkey in a wallet (encrypted by default)',
    options: { walletName, walletHotkey, walletPath, ...nWordsOption, ...usePasswordOption, ...overwriteOption, ...uriOption },
    action: async ({ options: o, log, output }) => {
      const usePassword = o.usePassword ?? o.uri === undefined;
      noteEncryption(log, 'coldkey', usePassword);
      const cold = await createColdkey({
        name: o.walletName,
        path: o.walletPath,
        ...fresh(o),
        usePassword,
        overwrite: o.overwrite,
      });
      const result = walletResult(o.walletName, o.walletPath, o.walletHotkey, undefined, cold.coldkey);
      const text = showMnemonics(o.json, [['coldkey', cold.mnemonic]]);
      output(result, () => `${text}${text ? '\n' : ''}Coldkey created\n${coldkeyLine(result)}`);
    },
  }),
  'store the coldkey unencrypted',
);

const newHotkeyCommand = withNegations(
  defineCommand({
    name: 'new-hotkey',
    description: 'create a new hotkey in an existing wallet (plaintext unless --use-password)',
    options: { walletName, walletHotkey, walletPath, ...nWordsOption, ...usePasswordOption, ...overwriteOption, ...uriOption },
    examples: ['flopnet wallet new-hotkey --wallet.name miner --wallet.hotkey h2'],
    action: async ({ options: o, log, output }) => {
      noteEncryption(log, 'hotkey', o.usePassword ?? false);
      const hot = await createHotkey({
        name: o.walletName,
        path: o.walletPath,
        hotkey: o.walletHotkey,
        ...fresh(o),
        usePassword: o.usePassword ?? false,
        overwrite: o.overwrite,
      });
      const result = walletResult(o.walletName, o.walletPath, o.walletHotkey, hot.hotkey);
      const text = showMnemonics(o.json, [['hotkey', hot.mnemonic]]);
      output(result, () => `${text}${text ? '\n' : ''}Hotkey created\n${summaryLine(result)}`);
    },
  }),
  'store the hotkey unencrypted (the default)',
);

interface RegenFlags {
  mnemonic?: string | undefined;
  seed?: string | undefined;
  jsonBackup?: string | undefined;
  jsonPassword?: string | undefined;
}

/** Exactly one of --mnemonic / --seed / --json-backup; on a terminal, asks for the mnemonic if none. */
async function regenSource(kind: 'coldkey' | 'hotkey', o: RegenFlags): Promise<KeySource> {
  const given = [o.mnemonic, o.seed, o.jsonBackup].filter((v) => v !== undefined).length;
  if (given > 1) {
    throw new UsageError('Give only one of --mnemonic, --seed and --json-backup', { hint: 'each one alone restores the key' });
  }
  if (o.mnemonic !== undefined) return { mnemonic: o.mnemonic };
  if (o.seed !== undefined) return { seed: o.seed };
  const interactive = Boolean(process.stdin.isTTY);
  if (o.jsonBackup !== undefined) {
    if (o.jsonPassword === undefined && !interactive) {
      throw new UsageError('--json-backup needs --json-password (no terminal to ask for it)', {
        hint: 'add --json-password PASSWORD, the password the account was exported with',
      });
    }
    const password = o.jsonPassword ?? (await promptHidden('Enter the JSON backup password: '));
    return { jsonBackup: { file: o.jsonBackup, password } };
  }
  if (!interactive) {
    throw new UsageError(`Nothing to regenerate the ${kind} from`, {
      hint: 'pass --mnemonic "word1 word2 ...", --seed 0x..., or --json-backup FILE --json-password PW',
    });
  }
  return { mnemonic: await promptHidden(`Enter the mnemonic of the ${kind}: `) };
}

const regenColdkeyCommand = acceptBtcliJsonFlag(
  withNegations(
    defineCommand({
      name: 'regen-coldkey',
      description: 'restore a coldkey from its mnemonic, seed or polkadot-js JSON backup (encrypted by default)',
      options: { walletName, walletHotkey, walletPath, ...regenOptions, ...usePasswordOption, ...overwriteOption },
      examples: [
        'flopnet wallet regen-coldkey --wallet.name miner --mnemonic "word1 word2 ... word12"',
        'flopnet wallet regen-coldkey --wallet.name miner --json backup.json --json-password PW   # as in btcli',
      ],
      action: async ({ options: o, log, output }) => {
        const source = await regenSource('coldkey', o);
        noteEncryption(log, 'coldkey', o.usePassword ?? true);
        const cold = await createColdkey({
          name: o.walletName,
          path: o.walletPath,
          ...source,
          usePassword: o.usePassword ?? true,
          overwrite: o.overwrite,
        });
        const result = walletResult(o.walletName, o.walletPath, o.walletHotkey, undefined, cold.coldkey);
        output(result, () => `✅ Regenerated coldkey successfully!\n${coldkeyLine(result)}`);
      },
    }),
      'store the coldkey unencrypted',
  ),
);

const regenHotkeyCommand = acceptBtcliJsonFlag(
  withNegations(
    defineCommand({
      name: 'regen-hotkey',
      description: 'restore a hotkey from its mnemonic, seed or polkadot-js JSON backup (plaintext unless --use-password)',
      options: { walletName, walletHotkey, walletPath, ...regenOptions, ...usePasswordOption, ...overwriteOption },
      examples: ['flopnet wallet regen-hotkey --wallet.name miner --wallet.hotkey default --seed 0x...'],
      action: async ({ options: o, log, output }) => {
        const source = await regenSource('hotkey', o);
        noteEncryption(log, 'hotkey', o.usePassword ?? false);
        const hot = await createHotkey({
          name: o.walletName,
          path: o.walletPath,
          hotkey: o.walletHotkey,
          ...source,
          usePassword: o.usePassword ?? false,
          overwrite: o.overwrite,
        });
        const result = walletResult(o.walletName, o.walletPath, o.walletHotkey, hot.hotkey);
        output(result, () => `✅ Regenerated hotkey successfully!\n${summaryLine(result)}`);
      },
    }),
      'store the hotkey unencrypted (the default)',
  ),
);

function renderTree(wallets: readonly WalletSummary[]): string {
  const lines = ['Wallets'];
  wallets.forEach((w, i) => {
    const lastWallet = i === wallets.length - 1;
    lines.push(`${lastWallet ? '└──' : '├──'} Coldkey ${w.name}  ss58_address ${w.ss58_address ?? '?'}`);
    w.hotkeys.forEach((h, j) => {
      const branch = j === w.hotkeys.length - 1 ? '└──' : '├──';
      const addr = h.ss58_address ?? (h.encrypted ? '<ENCRYPTED>' : '?');
      lines.push(`${lastWallet ? '    ' : '│   '}${branch} Hotkey ${h.name}  ss58_address ${addr}${h.pubOnly ? ' (hotkeypub only)' : ''}`);
    });
  });
  return lines.join('\n');
}

const listCommand = defineCommand({
  name: 'list',
  description: 'list the wallets under --wallet.path with their coldkey and hotkey addresses (no password needed)',
  options: { walletPath },
  action: ({ options: o, output }) => {
    const wallets = listWallets(o.walletPath);
    output(
      { wallets: wallets.map((w) => ({ name: w.name, ss58_address: w.ss58_address, hotkeys: w.hotkeys.map((h) => ({ name: h.name, ss58_address: h.ss58_address })) })) },
      () => (wallets.length ? renderTree(wallets) : `No wallets in ${walletPaths({ name: '.', path: o.walletPath }).root}`),
    );
  },
});

const showCommand = defineCommand({
  name: 'show',
  description: "show a wallet's coldkey and hotkey addresses from its pub files; a key without one is read from its keyfile (an encrypted one with its password, whose pub file is then written back)",
  options: { walletName, walletHotkey: { ...walletHotkey, description: 'show only this hotkey (default: every hotkey)', default: undefined }, walletPath },
  examples: ['flopnet wallet show --wallet.name miner --json', "printf '%s\\n' \"$PW\" | flopnet wallet show --wallet.name miner   # a coldkey without coldkeypub.txt"],
  action: async ({ options: o, log, output }) => {
    const details = await showWallet(
      { name: o.walletName, path: o.walletPath },
      { ...(o.walletHotkey !== undefined ? { hotkey: o.walletHotkey } : {}), onPubWritten: (path) => log.info(`wrote the missing pub file ${path}: the address needs no password from now on`) },
    );
    output(details, (d) =>
      [
        `Wallet ${d.name}  (${d.path})`,
        `  coldkey          ${d.coldkey_ss58}`,
        ...d.hotkeys.map((h) => `  hotkey ${h.name.padEnd(10)}${h.ss58 ?? '<ENCRYPTED>'}`),
      ].join('\n'),
    );
  },
});

const subcommands = [createCommand, newColdkeyCommand, newHotkeyCommand, regenColdkeyCommand, regenHotkeyCommand, listCommand, showCommand];
// btcli also answers to `btcli w ...` and to the underscore spellings (new_hotkey, regen_coldkey).
for (const sub of subcommands) if (sub.name().includes('-')) sub.alias(sub.name().replace(/-/g, '_'));

export const walletCommand = defineGroup('wallet', 'create, restore, list and show btcli-compatible wallets', subcommands).alias('w');

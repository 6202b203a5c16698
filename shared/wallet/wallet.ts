/**
 * A wallet as btcli keeps it on disk:
 *
 *   <path>/<name>/coldkey            secret keyfile, $NACL-encrypted by default
 *   <path>/<name>/coldkeypub.txt     public keyfile
 *   <path>/<name>/hotkeys/<hotkey>   secret keyfile, plaintext by default
 *   <path>/<name>/hotkeys/<hotkey>pub.txt  public keyfile (btwallet ≥ 4; optional when reading)
 *
 * Every keyfile is written with mode 0600 and never replaced unless the caller says `overwrite`.
 * Addresses are read from the pub files, so showing a wallet never needs a password.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { KeyringPair } from '@polkadot/keyring/types';
import { FlopnetError } from '../errors.js';
import { expandWalletPath } from '../config/common.js';
import { parseKeyfile, serializeKeyfile, type KeyfileData } from './keyfile.js';
import { decryptKeyfile, detectFormat, encryptKeyfile, unsupportedFormat } from './nacl.js';
import {
  addressFromKeyfile,
  generateMnemonic,
  keyfileFromKeypair,
  keypairFromJsonBackup,
  keypairFromKeyfile,
  keypairFromMnemonic,
  keypairFromSeed,
  keypairFromUri,
  parseSeed,
  pubKeyfileFromKeypair,
  toKeyringPair,
  type Keypair,
  type MnemonicWords,
} from './keypair.js';
import { passwordForDecrypt, passwordForEncrypt } from './password.js';

export interface WalletRef {
  name: string;
  /** The directory holding wallets (`--wallet.path`); `~` and `default` are expanded. */
  path: string;
}
export interface HotkeyRef extends WalletRef {
  hotkey: string;
}

export const KEYFILE_MODE = 0o600;

export function walletPaths(ref: WalletRef & { hotkey?: string }) {
  const root = resolve(expandWalletPath(ref.path));
  const dir = join(root, ref.name);
  return {
    root,
    dir,
    coldkey: join(dir, 'coldkey'),
    coldkeypub: join(dir, 'coldkeypub.txt'),
    hotkeysDir: join(dir, 'hotkeys'),
    hotkey: join(dir, 'hotkeys', ref.hotkey ?? 'default'),
    hotkeypub: join(dir, 'hotkeys', `${ref.hotkey ?? 'default'}pub.txt`),
  };
}

// ---- reading ----

function walletMissing(ref: WalletRef): FlopnetError {
  const { root, dir } = walletPaths(ref);
  return new FlopnetError(`Wallet "${ref.name}" does not exist: no directory ${dir}`, {
    code: 'E_WALLET_NOT_FOUND',
    hint: `create it with \`flopnet wallet create --wallet.name ${ref.name} --wallet.path ${root}\`, or see the wallets there with \`flopnet wallet list --wallet.path ${root}\``,
  });
}

function keyfileMissing(ref: WalletRef, file: string, kind: 'coldkey' | 'coldkeypub' | 'hotkey'): FlopnetError {
  if (!existsSync(walletPaths(ref).dir)) return walletMissing(ref);
  const { root } = walletPaths(ref);
  const hotkey = basename(file);
  const hint =
    kind === 'hotkey'
      ? `create it with \`flopnet wallet new-hotkey --wallet.name ${ref.name} --wallet.hotkey ${hotkey} --wallet.path ${root}\` or restore it with \`regen-hotkey\``
      : `restore it with \`flopnet wallet regen-coldkey --wallet.name ${ref.name} --wallet.path ${root} --mnemonic "..."\``;
  const what = kind === 'hotkey' ? `Hotkey "${hotkey}" of wallet "${ref.name}"` : `The ${kind} of wallet "${ref.name}"`;
  return new FlopnetError(`${what} does not exist: no file ${file}`, { code: 'E_KEYFILE_NOT_FOUND', hint });
}

function readBytes(ref: WalletRef, file: string, kind: 'coldkey' | 'coldkeypub' | 'hotkey'): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw keyfileMissing(ref, file, kind);
    throw new FlopnetError(`Cannot read keyfile ${file}: ${code ?? (error as Error).message}`, {
      code: 'E_KEYFILE_UNREADABLE',
      hint: 'check that the file belongs to you and is readable (chmod 600)',
    });
  }
}

/** A keyfile that must be plaintext (pub files, hotkeys read synchronously). */
function plainKeyfile(bytes: Buffer, file: string): KeyfileData {
  const format = detectFormat(bytes);
  if (format === 'ansible-vault' || format === 'fernet') throw unsupportedFormat(format, file);
  if (format === 'nacl') {
    throw new FlopnetError(`Keyfile ${file} is encrypted`, {
      code: 'E_KEYFILE_ENCRYPTED',
      hint: 'this call reads only plaintext keys; use loadHotkeyAsync / loadColdkey, which ask for the password',
    });
  }
  return parseKeyfile(bytes.toString('utf8'), file);
}

async function openKeyfile(bytes: Buffer, file: string, password?: string): Promise<KeyfileData> {
  if (detectFormat(bytes) !== 'nacl') return plainKeyfile(bytes, file);
  // A typed password gets three tries, as in btcli; an explicit or BT_PW_ password fails at once.
  for (let attempt = 1; ; attempt++) {
    const { password: pw, source } = await passwordForDecrypt(file, password);
    try {
      return parseKeyfile(Buffer.from(await decryptKeyfile(bytes, pw, file)).toString('utf8'), file);
    } catch (error) {
      const wrong = error instanceof FlopnetError && error.code === 'E_WRONG_PASSWORD';
      if (!wrong || source !== 'prompt' || attempt >= 3) throw error;
      process.stderr.write('❌ Failed: the password used to decrypt this keyfile is invalid.\n');
    }
  }
}

/** The coldkey's ss58 address from coldkeypub.txt: no password needed. */
export function readColdkeyPub(ref: WalletRef): string {
  const { coldkeypub } = walletPaths(ref);
  return addressFromKeyfile(plainKeyfile(readBytes(ref, coldkeypub, 'coldkeypub'), coldkeypub), coldkeypub);
}

/** The hotkey's ss58 address: from `<hotkey>pub.txt` when present, else from the (plaintext) hotkey file. */
export function readHotkeyPub(ref: HotkeyRef): string {
  const { hotkey, hotkeypub } = walletPaths(ref);
  if (existsSync(hotkeypub)) return addressFromKeyfile(plainKeyfile(readBytes(ref, hotkeypub, 'hotkey'), hotkeypub), hotkeypub);
  return addressFromKeyfile(plainKeyfile(readBytes(ref, hotkey, 'hotkey'), hotkey), hotkey);
}

/** The hotkey as a signing pair. Hotkeys are plaintext unless made with --use-password (then use loadHotkeyAsync). */
export function loadHotkey(ref: HotkeyRef): KeyringPair {
  const { hotkey } = walletPaths(ref);
  return toKeyringPair(keypairFromKeyfile(plainKeyfile(readBytes(ref, hotkey, 'hotkey'), hotkey), hotkey));
}

/** Like loadHotkey, but also opens an encrypted hotkey (password arg > BT_PW_ variable > prompt). */
export async function loadHotkeyAsync(ref: HotkeyRef & { password?: string }): Promise<KeyringPair> {
  const { hotkey } = walletPaths(ref);
  return toKeyringPair(keypairFromKeyfile(await openKeyfile(readBytes(ref, hotkey, 'hotkey'), hotkey, ref.password), hotkey));
}

/** The coldkey as a signing pair: decrypts with password arg > BT_PW_ variable > prompt (fails without a TTY). */
export async function loadColdkey(ref: WalletRef & { password?: string }): Promise<KeyringPair> {
  const { coldkey } = walletPaths(ref);
  return toKeyringPair(keypairFromKeyfile(await openKeyfile(readBytes(ref, coldkey, 'coldkey'), coldkey, ref.password), coldkey));
}

// ---- writing ----

/** Throws E_KEYFILE_EXISTS naming the first of `paths` that exists. */
export function assertNoKeyfiles(paths: readonly string[]): void {
  const existing = paths.find((p) => existsSync(p));
  if (existing) {
    throw new FlopnetError(`Keyfile ${existing} already exists; not overwriting it`, {
      code: 'E_KEYFILE_EXISTS',
      hint: 'pass --overwrite to replace it (the old key is lost unless you have its mnemonic), or choose another --wallet.name / --wallet.hotkey',
    });
  }
}

function writeKeyfiles(files: readonly { path: string; data: Uint8Array }[]): void {
  for (const { path, data } of files) {
    mkdirSync(dirname(path), { recursive: true });
    // Write beside the target and rename, so a crash never leaves a truncated keyfile.
    const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
    writeFileSync(tmp, data, { mode: KEYFILE_MODE, flag: 'w' });
    chmodSync(tmp, KEYFILE_MODE);
    renameSync(tmp, path);
  }
}

export interface SaveOptions {
  /** A string encrypts with it; null stores plaintext; undefined follows `usePassword`. */
  password?: string | null;
  /** Encrypt when no password is given (then BT_PW_ variable, then prompt). */
  usePassword?: boolean;
  overwrite?: boolean;
}

async function secretBytes(kp: Keypair, file: string, encrypt: boolean, password?: string | null): Promise<Uint8Array> {
  const json = Buffer.from(serializeKeyfile(keyfileFromKeypair(kp)), 'utf8');
  if (!encrypt) return json;
  return encryptKeyfile(json, await passwordForEncrypt(file, password ?? undefined));
}

const wantsEncryption = (opts: SaveOptions, byDefault: boolean): boolean =>
  opts.password === null ? false : typeof opts.password === 'string' ? true : (opts.usePassword ?? byDefault);

const pubBytes = (kp: Keypair): Uint8Array => Buffer.from(serializeKeyfile(pubKeyfileFromKeypair(kp)), 'utf8');

export async function saveColdkey(ref: WalletRef, kp: Keypair, opts: SaveOptions = {}): Promise<void> {
  const { coldkey, coldkeypub } = walletPaths(ref);
  // Refuse before asking for a password or spending seconds on Argon2.
  if (!opts.overwrite) assertNoKeyfiles([coldkey, coldkeypub]);
  const secret = await secretBytes(kp, coldkey, wantsEncryption(opts, true), opts.password);
  writeKeyfiles([
    { path: coldkey, data: secret },
    { path: coldkeypub, data: pubBytes(kp) },
  ]);
}

export async function saveHotkey(ref: HotkeyRef, kp: Keypair, opts: SaveOptions = {}): Promise<void> {
  const { hotkey, hotkeypub } = walletPaths(ref);
  if (!opts.overwrite) assertNoKeyfiles([hotkey, hotkeypub]);
  const secret = await secretBytes(kp, hotkey, wantsEncryption(opts, false), opts.password);
  writeKeyfiles([
    { path: hotkey, data: secret },
    { path: hotkeypub, data: pubBytes(kp) },
  ]);
}

// ---- key sources ----

/** Where a new key comes from: exactly one of these, or none for a fresh random mnemonic. */
export interface KeySource {
  mnemonic?: string;
  seed?: string;
  uri?: string;
  jsonBackup?: { file: string; password: string };
  nWords?: MnemonicWords;
}

export async function keypairFromSource(source: KeySource): Promise<Keypair> {
  if (source.mnemonic !== undefined) return keypairFromMnemonic(source.mnemonic);
  if (source.seed !== undefined) return keypairFromSeed(parseSeed(source.seed));
  if (source.uri !== undefined) return keypairFromUri(source.uri);
  if (source.jsonBackup) {
    const file = resolve(source.jsonBackup.file);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new FlopnetError(`Cannot read JSON backup ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`, {
        code: 'E_BAD_JSON_BACKUP',
        hint: 'check the path given to --json-backup',
      });
    }
    return keypairFromJsonBackup(text, source.jsonBackup.password, file);
  }
  return keypairFromMnemonic(generateMnemonic(source.nWords ?? 12));
}

// ---- the programmatic API ----

export interface CreateWalletOptions extends WalletRef {
  /** Also create this hotkey (random mnemonic, or hotkeyUri). */
  hotkey?: string;
  coldkeyUri?: string;
  hotkeyUri?: string;
  /** Coldkey mnemonic to restore instead of generating one. */
  mnemonic?: string;
  /** Coldkey password: a string encrypts with it; null stores plaintext; undefined asks (BT_PW_ variable, then prompt), except for a --uri key, which btcli stores plaintext. */
  password?: string | null;
  overwrite?: boolean;
  nWords?: MnemonicWords;
}

export interface CreatedWallet {
  coldkey: string;
  hotkey?: string;
  /** Coldkey mnemonic, when the key came from one: show it to the user once, never log it. */
  mnemonic?: string;
  hotkeyMnemonic?: string;
}

export async function createColdkey(
  opts: WalletRef & KeySource & SaveOptions,
): Promise<{ coldkey: string; mnemonic?: string }> {
  const kp = await keypairFromSource(opts);
  await saveColdkey(opts, kp, { ...opts, usePassword: opts.usePassword ?? opts.uri === undefined });
  return { coldkey: kp.ss58Address, ...(kp.mnemonic && opts.mnemonic === undefined ? { mnemonic: kp.mnemonic } : {}) };
}

export async function createHotkey(
  opts: HotkeyRef & KeySource & SaveOptions,
): Promise<{ hotkey: string; mnemonic?: string }> {
  const kp = await keypairFromSource(opts);
  await saveHotkey(opts, kp, opts);
  return { hotkey: kp.ss58Address, ...(kp.mnemonic && opts.mnemonic === undefined ? { mnemonic: kp.mnemonic } : {}) };
}

/** Coldkey (and optionally a hotkey) in one call; the demo uses it with //uris and no password. */
export async function createWallet(opts: CreateWalletOptions): Promise<CreatedWallet> {
  const { hotkey: hotkeyName, coldkeyUri, hotkeyUri, password, ...ref } = opts;
  const paths = walletPaths({ ...ref, ...(hotkeyName ? { hotkey: hotkeyName } : {}) });
  // Check every target before writing any, so a refusal leaves no half-made wallet.
  if (!opts.overwrite) assertNoKeyfiles([paths.coldkey, paths.coldkeypub, ...(hotkeyName ? [paths.hotkey, paths.hotkeypub] : [])]);
  const cold = await createColdkey({ ...ref, ...(coldkeyUri ? { uri: coldkeyUri } : {}), ...(password !== undefined ? { password } : {}) });
  if (!hotkeyName) return { coldkey: cold.coldkey, ...(cold.mnemonic ? { mnemonic: cold.mnemonic } : {}) };
  const hot = await createHotkey({
    name: ref.name,
    path: ref.path,
    hotkey: hotkeyName,
    ...(hotkeyUri ? { uri: hotkeyUri } : {}),
    ...(opts.nWords ? { nWords: opts.nWords } : {}),
    password: null,
    overwrite: opts.overwrite ?? false,
  });
  return {
    coldkey: cold.coldkey,
    hotkey: hot.hotkey,
    ...(cold.mnemonic ? { mnemonic: cold.mnemonic } : {}),
    ...(hot.mnemonic ? { hotkeyMnemonic: hot.mnemonic } : {}),
  };
}

// ---- listing ----

export interface HotkeySummary {
  name: string;
  /** null when only an encrypted or unreadable hotkey file exists. */
  ss58_address: string | null;
  /** Only `<name>pub.txt` exists, without the secret file. */
  pubOnly: boolean;
  /** No pub file and the hotkey file is encrypted (btcli shows `<ENCRYPTED>`). */
  encrypted: boolean;
}
export interface WalletSummary {
  name: string;
  /** null when coldkeypub.txt is missing or unreadable (btcli shows `?`). */
  ss58_address: string | null;
  hotkeys: HotkeySummary[];
}

const isFile = (p: string): boolean => {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
};
const isDir = (p: string): boolean => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

function listHotkeys(ref: WalletRef): HotkeySummary[] {
  const { hotkeysDir } = walletPaths(ref);
  if (!isDir(hotkeysDir)) return [];
  const names = new Set<string>();
  for (const entry of readdirSync(hotkeysDir)) {
    if (entry.startsWith('.') || !isFile(join(hotkeysDir, entry))) continue;
    const base = entry.endsWith('pub.txt') ? entry.slice(0, -'pub.txt'.length) : entry;
    if (base) names.add(base);
  }
  return [...names].sort().map((name) => {
    let ss58: string | null = null;
    let encrypted = false;
    try {
      ss58 = readHotkeyPub({ ...ref, hotkey: name });
    } catch (error) {
      encrypted = error instanceof FlopnetError && error.code === 'E_KEYFILE_ENCRYPTED';
    }
    return { name, ss58_address: ss58, pubOnly: !isFile(join(hotkeysDir, name)), encrypted };
  });
}

function summary(ref: WalletRef): WalletSummary {
  let ss58: string | null;
  try {
    ss58 = readColdkeyPub(ref);
  } catch {
    ss58 = null;
  }
  return { name: ref.name, ss58_address: ss58, hotkeys: listHotkeys(ref) };
}

/** Every wallet under a path, as btcli lists them; never asks for a password. */
export function listWallets(path: string): WalletSummary[] {
  const root = resolve(expandWalletPath(path));
  if (!isDir(root)) return [];
  return readdirSync(root)
    .filter((entry) => !entry.startsWith('.') && isDir(join(root, entry)))
    .sort()
    .map((name) => summary({ name, path: root }));
}

export interface WalletDetails {
  name: string;
  path: string;
  coldkey_ss58: string;
  hotkeys: { name: string; ss58: string | null }[];
}

export interface ShowOptions {
  /** Only this hotkey (it must exist); every hotkey when absent. */
  hotkey?: string;
  /** Told of each pub file written back for a key that had none. */
  onPubWritten?: (path: string) => void;
}

/**
 * The address of a key: from its pub file; else from its secret file, opened with its password
 * (BT_PW_ variable, prompt, or piped standard input) when encrypted. A key opened that way gets its
 * missing pub file back, so the next look needs no password; an existing file is never replaced.
 */
async function keyAddress(ref: WalletRef, secret: string, pub: string, kind: 'coldkey' | 'hotkey', opts: ShowOptions): Promise<string> {
  if (existsSync(pub)) return addressFromKeyfile(plainKeyfile(readBytes(ref, pub, kind === 'coldkey' ? 'coldkeypub' : 'hotkey'), pub), pub);
  const bytes = readBytes(ref, secret, kind);
  const kp = keypairFromKeyfile(await openKeyfile(bytes, secret), secret);
  if (detectFormat(bytes) === 'nacl') {
    assertNoKeyfiles([pub]);
    writeKeyfiles([{ path: pub, data: pubBytes(kp) }]);
    opts.onPubWritten?.(pub);
  }
  return kp.ss58Address;
}

/**
 * One wallet's addresses, as its pub files give them; a key without one is read from its secret
 * file, decrypted when a password is at hand. A hotkey that cannot be opened for want of a password
 * shows as null (btcli's `<ENCRYPTED>`); the coldkey's address is required.
 */
export async function showWallet(ref: WalletRef, opts: ShowOptions = {}): Promise<WalletDetails> {
  const { root, dir, coldkey, coldkeypub } = walletPaths(ref);
  if (!isDir(dir)) throw walletMissing(ref);
  const coldkeySs58 = await keyAddress(ref, coldkey, coldkeypub, 'coldkey', opts);
  const names = opts.hotkey !== undefined ? [opts.hotkey] : listHotkeys(ref).map((h) => h.name);
  const hotkeys: WalletDetails['hotkeys'] = [];
  for (const name of names) {
    const paths = walletPaths({ ...ref, hotkey: name });
    let ss58: string | null;
    try {
      ss58 = await keyAddress(ref, paths.hotkey, paths.hotkeypub, 'hotkey', opts);
    } catch (error) {
      // Listing every hotkey, one that cannot be read is shown as such; a wrong password is an answer.
      const refused = error instanceof FlopnetError && (error.code === 'E_WRONG_PASSWORD' || error.code === 'E_INTERRUPTED');
      if (opts.hotkey !== undefined || refused) throw error;
      ss58 = null;
    }
    hotkeys.push({ name, ss58 });
  }
  return { name: ref.name, path: root, coldkey_ss58: coldkeySs58, hotkeys };
}

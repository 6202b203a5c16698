/**
 * Signed extrinsics (format v4): strict decoding, then the checks a Substrate node's pool runs, in
 * its order: mortality birth block, signature over the signed payload (which commits to spec and
 * transaction version and the genesis hash), nonce, length. Failures carry the JSON-RPC error a node
 * returns: 1001 for undecodable bytes, 1010 "Invalid Transaction" with InvalidTransaction's message.
 */
import { blake2AsU8a, ed25519Verify, sr25519Verify } from '@polkadot/util-crypto';
import { u8aToHex } from '@polkadot/util';
import { DecodeError, Reader, Writer, type VariantValue } from './types.js';
import type { Runtime } from './runtime.js';

/** subtensor: 5 MiB blocks, 75 % for normal extrinsics. */
export const MAX_EXTRINSIC_LENGTH = Math.floor(5 * 1024 * 1024 * 0.75);

export class PoolError extends Error {
  override name = 'PoolError';
  constructor(
    readonly code: number,
    message: string,
    readonly data?: string,
  ) {
    super(data === undefined ? message : `${message}: ${data}`);
  }
  get rpcMessage(): string {
    return this.code === 1010 || this.code === 1011 || this.code === 1014 ? this.message.split(':')[0]! : this.message;
  }
}

/** sp_runtime::transaction_validity::InvalidTransaction, as its Display renders it. */
export const InvalidTransaction = {
  Call: 'Transaction call is not expected',
  Payment: 'Inability to pay some fees (e.g. account balance too low)',
  Future: 'Transaction will be valid in the future',
  Stale: 'Transaction is outdated',
  BadProof: 'Transaction has a bad signature',
  AncientBirthBlock: 'Transaction has an ancient birth block',
  ExhaustsResources: 'Transaction would exhaust the block limits',
  BadSigner: 'Invalid signing address',
  Custom: (code: number) => `Custom error: ${code}`,
} as const;

export const invalid = (reason: string): PoolError => new PoolError(1010, 'Invalid Transaction', reason);
const badFormat = (detail: string): PoolError => new PoolError(1001, `Extrinsic has invalid format: ${detail}`);

export interface Era {
  /** 0 for immortal. */
  period: number;
  phase: number;
  bytes: Uint8Array;
}

export function decodeEra(r: Reader): Era {
  const first = r.byte();
  if (first === 0) return { period: 0, phase: 0, bytes: Uint8Array.of(0) };
  const second = r.byte();
  const encoded = first + (second << 8);
  const period = 2 << (encoded % 16);
  const quantize = Math.max(period >> 12, 1);
  const phase = (encoded >> 4) * quantize;
  if (period < 4 || phase >= period) throw new DecodeError('Invalid period and phase');
  return { period, phase, bytes: Uint8Array.of(first, second) };
}

/** The block a mortal transaction claims as its birth, seen from block `current` (Era::birth). */
export function eraBirth(era: Era, current: number): number {
  if (era.period === 0) return 0;
  return Math.floor((Math.max(current, era.phase) - era.phase) / era.period) * era.period + era.phase;
}

export interface DecodedExtrinsic {
  bytes: Uint8Array;
  hash: string;
  signer: Uint8Array;
  signature: { scheme: 'Ed25519' | 'Sr25519' | 'Ecdsa'; bytes: Uint8Array };
  era: Era;
  nonce: number;
  tip: bigint;
  /** CheckMetadataHash's mode byte when the runtime declares it (0 disabled, 1 enabled), else null. */
  metadataHashMode: number | null;
  call: VariantValue;
  callBytes: Uint8Array;
}

/** Decodes a length-prefixed v4 extrinsic; anything left over or missing is a format error. */
export function decodeExtrinsic(runtime: Runtime, bytes: Uint8Array): DecodedExtrinsic {
  try {
    const r = new Reader(bytes);
    const len = r.compact();
    if (len !== BigInt(bytes.length - r.offset)) throw new DecodeError('length prefix does not match the extrinsic');
    const version = r.byte();
    if ((version & 0x7f) !== 4) throw new DecodeError(`Invalid transaction version ${version & 0x7f}`);
    if ((version & 0x80) === 0) {
      throw new PoolError(1011, 'Unknown Transaction Validity', 'Could not find an unsigned validator for the unsigned transaction');
    }
    const codec = runtime.codec;
    const address = codec.codec(runtime.extrinsic.address).decode(r) as VariantValue;
    if (address.name !== 'Id') throw new PoolError(1010, 'Invalid Transaction', InvalidTransaction.BadSigner);
    const sig = codec.codec(runtime.extrinsic.signature).decode(r) as VariantValue;
    const era = decodeEra(r);
    const nonce = Number(r.compact());
    const tip = r.compact();
    const metadataHashMode = runtime.extrinsic.metadataHashMode ? r.byte() : null;
    if (metadataHashMode !== null && metadataHashMode > 1) throw new DecodeError(`Invalid metadata hash mode ${metadataHashMode}`);
    const callStart = r.offset;
    const call = codec.codec(runtime.extrinsic.call).decode(r) as VariantValue;
    if (r.offset !== bytes.length) throw new DecodeError(`${bytes.length - r.offset} trailing bytes`);
    return {
      bytes,
      hash: u8aToHex(blake2AsU8a(bytes, 256)),
      signer: address.value as Uint8Array,
      signature: { scheme: sig.name as DecodedExtrinsic['signature']['scheme'], bytes: sig.value as Uint8Array },
      era,
      nonce,
      tip,
      metadataHashMode,
      call,
      callBytes: bytes.slice(callStart, r.offset),
    };
  } catch (error) {
    if (error instanceof PoolError) throw error;
    if (error instanceof DecodeError) {
      const detail = /unknown variant index \d+ of node_subtensor_runtime::RuntimeCall|unknown variant index \d+ of pallet_/.test(error.message)
        ? 'Could not decode `RuntimeCall`, variant doesn\'t exist'
        : error.message.startsWith('unexpected end') || error.message.startsWith('length')
          ? 'Not enough data to fill buffer'
          : error.message;
      throw badFormat(detail);
    }
    throw badFormat(error instanceof Error ? error.message : String(error));
  }
}

export interface ChainView {
  genesisHash: Uint8Array;
  /** The block the pool validates against (best); the extrinsic would go in `best + 1`. */
  bestNumber: number;
  /** Hash of a block within BlockHashCount of the best block, else undefined. */
  blockHash(n: number): Uint8Array | undefined;
  specVersion: number;
  transactionVersion: number;
}

/** The payload a signer signs: call, extra (era, nonce, tip), then the implicit parts; hashed if over 256 bytes. */
export function signingPayload(
  x: Pick<DecodedExtrinsic, 'callBytes' | 'era' | 'nonce' | 'tip' | 'metadataHashMode'>,
  chain: Pick<ChainView, 'genesisHash' | 'specVersion' | 'transactionVersion'>,
  birthHash: Uint8Array,
): Uint8Array {
  const w = new Writer();
  w.bytes(x.callBytes);
  w.bytes(x.era.bytes);
  w.compact(x.nonce);
  w.compact(x.tip);
  if (x.metadataHashMode !== null) w.byte(x.metadataHashMode);
  w.uint(chain.specVersion, 4);
  w.uint(chain.transactionVersion, 4);
  w.bytes(chain.genesisHash);
  w.bytes(birthHash);
  // The devnet does not compute a metadata digest: with mode Enabled a client signs Some(hash), which cannot match.
  if (x.metadataHashMode !== null) w.byte(0);
  const payload = w.finish();
  return payload.length > 256 ? blake2AsU8a(payload, 256) : payload;
}

/**
 * Birth block, then signature (spec/tx version and genesis are inside the signed payload, so a
 * mismatch is a bad signature, as on Substrate), then length. The nonce is checked by the pool,
 * which knows the sender's queued transactions.
 */
export function checkSignature(x: DecodedExtrinsic, chain: ChainView): void {
  const current = chain.bestNumber + 1;
  const birth = eraBirth(x.era, current);
  const birthHash = x.era.period === 0 ? chain.genesisHash : chain.blockHash(birth);
  if (!birthHash) throw invalid(InvalidTransaction.AncientBirthBlock);
  const message = signingPayload(x, chain, birthHash);
  const ok =
    x.signature.scheme === 'Sr25519'
      ? sr25519Verify(message, x.signature.bytes, x.signer)
      : x.signature.scheme === 'Ed25519'
        ? ed25519Verify(message, x.signature.bytes, x.signer)
        : false;
  if (!ok) throw invalid(InvalidTransaction.BadProof);
  if (x.bytes.length > MAX_EXTRINSIC_LENGTH) throw invalid(InvalidTransaction.ExhaustsResources);
}

export interface ExtrinsicSigner {
  publicKey: Uint8Array;
  type: 'ed25519' | 'sr25519';
  sign(message: Uint8Array): Uint8Array;
}

/**
 * Builds a signed v4 extrinsic in-process (immortal era, no tip), as a wallet would: for benchmarks
 * and tests that need thousands of valid extrinsics without a client round trip.
 */
export function encodeSignedExtrinsic(runtime: Runtime, chain: Pick<ChainView, 'genesisHash' | 'specVersion' | 'transactionVersion'>, signer: ExtrinsicSigner, call: VariantValue, nonce: number): Uint8Array {
  const callBytes = runtime.codec.encode(runtime.extrinsic.call, call);
  const era: Era = { period: 0, phase: 0, bytes: Uint8Array.of(0) };
  const metadataHashMode = runtime.extrinsic.metadataHashMode ? 0 : null;
  const signature = signer.sign(signingPayload({ callBytes, era, nonce, tip: 0n, metadataHashMode }, chain, chain.genesisHash));
  const body = new Writer();
  body.byte(0x84);
  body.byte(0); // MultiAddress::Id
  body.bytes(signer.publicKey);
  body.byte(signer.type === 'ed25519' ? 0 : 1);
  body.bytes(signature);
  body.bytes(era.bytes);
  body.compact(nonce);
  body.compact(0);
  if (metadataHashMode !== null) body.byte(metadataHashMode);
  body.bytes(callBytes);
  const inner = body.finish();
  const out = new Writer();
  out.compact(inner.length);
  out.bytes(inner);
  return out.finish();
}

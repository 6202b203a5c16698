/**
 * Authentication of frames. A request is signed (sr25519) by the validator's hotkey over
 * {op, id, sender, receiver, nonce, timestamp, sha256 of the whole body}; a response is signed by the
 * miner's hotkey over {op, id, miner, validator, digest of the signed request, status, sha256 of the
 * whole body}, so it answers that request and no other.
 *
 * The receiver checks the signature before anything else, and only then receiver, timestamp window and
 * nonce (a subnet SDK once skipped verification of empty signatures and trusted the claimed hotkey).
 */
import { createHash, randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { cryptoWaitReady, decodeAddress } from '@polkadot/util-crypto';
import { sr25519Sign, sr25519Verify } from '@polkadot/wasm-crypto';
import type { KeyringPair } from '@polkadot/keyring/types';
import { PROTOCOL_VERSION, type Op, type RequestFrame, type ResponseFrame } from './messages.js';
import { ProtocolError } from './codec.js';

/** What signs frames: a KeyringPair (sr25519) satisfies it. */
export interface Signer {
  readonly address: string;
  sign(message: Uint8Array): Uint8Array;
}

const PKCS8_HEADER = Buffer.from([48, 83, 2, 1, 1, 48, 5, 6, 3, 43, 101, 112, 4, 34, 4, 32]);
const PKCS8_DIVIDER = Buffer.from([161, 35, 3, 33, 0]);

/**
 * A Signer for an unlocked sr25519 pair that signs in WebAssembly (0.2 ms; the pair's own pure-JS sign
 * takes 1.1 ms, which a validator pays per miner per request). The secret comes from the pair's
 * unencrypted PKCS8 export (header ‖ 64-byte secret ‖ divider ‖ public key); any other pair signs itself.
 */
export function createSigner(pair: KeyringPair): Signer {
  if (pair.type === 'sr25519' && !pair.isLocked) {
    const pkcs8 = Buffer.from(pair.encodePkcs8());
    const secret = pkcs8.subarray(16, 80);
    if (
      pkcs8.length === 117 &&
      pkcs8.subarray(0, 16).equals(PKCS8_HEADER) &&
      pkcs8.subarray(80, 85).equals(PKCS8_DIVIDER) &&
      pkcs8.subarray(85).equals(pair.publicKey)
    ) {
      const publicKey = pair.publicKey;
      return { address: pair.address, sign: (message) => sr25519Sign(publicKey, secret, message) };
    }
  }
  return { address: pair.address, sign: (message) => pair.sign(message) };
}

/** Loads the sr25519 WebAssembly once; call before signing or verifying. */
export async function cryptoReady(): Promise<void> {
  await cryptoWaitReady();
}

export function sha256(bytes: Uint8Array): Uint8Array {
  return createHash('sha256').update(bytes).digest();
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
const utf8 = (s: string): Uint8Array => Buffer.from(s, 'utf8');

export interface RequestFields {
  op: Op;
  id: number;
  sender: string;
  receiver: string;
  nonce: string;
  timestamp: number;
  body: Uint8Array;
}

/** The bytes a request's signature covers. Every field is newline-free by schema, so the join is unambiguous. */
export function requestMessage(f: RequestFields): Uint8Array {
  return utf8(
    [`flopnet/${PROTOCOL_VERSION} request`, f.op, f.id, f.sender, f.receiver, f.nonce, f.timestamp, hex(sha256(f.body))].join('\n'),
  );
}

/** Identifies a signed request; a response's signature binds it. */
export function requestDigest(f: RequestFields): Uint8Array {
  return sha256(requestMessage(f));
}

export interface ResponseFields {
  op: Op | null;
  id: number | null;
  sender: string;
  receiver: string | null;
  status: 'ok' | 'error';
  body: Uint8Array;
}

export function responseMessage(f: ResponseFields, request: Uint8Array): Uint8Array {
  return utf8(
    [
      `flopnet/${PROTOCOL_VERSION} response`,
      f.op ?? '',
      f.id ?? '',
      f.sender,
      f.receiver ?? '',
      hex(request),
      f.status,
      hex(sha256(f.body)),
    ].join('\n'),
  );
}

/** sr25519 verification; false (never a throw) for a malformed key or signature. */
export function verifySignature(address: string, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    const publicKey = decodeAddress(address);
    if (publicKey.length !== 32 || signature.length !== 64) return false;
    return sr25519Verify(signature, message, publicKey);
  } catch {
    return false;
  }
}

export function newNonce(): string {
  return randomBytes(16).toString('hex');
}

export interface SignRequestOptions {
  op: Op;
  id: number;
  receiver: string;
  body: Uint8Array;
  /** The sender's wall clock, ms; defaults to Date.now(). */
  timestamp?: number;
  nonce?: string;
}

export function signRequest(signer: Signer, o: SignRequestOptions): RequestFrame {
  const fields: RequestFields = {
    op: o.op,
    id: o.id,
    sender: signer.address,
    receiver: o.receiver,
    nonce: o.nonce ?? newNonce(),
    timestamp: o.timestamp ?? Date.now(),
    body: o.body,
  };
  return { v: PROTOCOL_VERSION, type: 'request', ...fields, signature: signer.sign(requestMessage(fields)) };
}

/**
 * Signs a response to an authenticated request (`request` is its requestDigest). Without one, the
 * response goes unsigned: signing refusals of unauthenticated bytes would hand strangers free signatures
 * and CPU.
 */
export function signResponse(
  signer: Signer,
  f: Omit<ResponseFields, 'sender'>,
  request: Uint8Array | null,
): ResponseFrame {
  const fields: ResponseFields = { ...f, sender: signer.address };
  return {
    v: PROTOCOL_VERSION,
    type: 'response',
    ...fields,
    signature: request ? signer.sign(responseMessage(fields, request)) : null,
  };
}

/** True when `frame` is signed by `expectedSender` and answers the request whose digest is `request`. */
export function verifyResponse(frame: ResponseFrame, expectedSender: string, request: Uint8Array): boolean {
  if (frame.sender !== expectedSender || frame.signature === null) return false;
  return verifySignature(frame.sender, responseMessage(frame, request), frame.signature);
}

export interface ReplayOptions {
  /** A request's timestamp may lag the receiver's clock by at most this much (also the nonce memory). */
  maxAgeMs: number;
  /** ...and lead it by at most this much (clock skew). */
  maxFutureMs: number;
  /**
   * Bound on remembered nonces. When full, the oldest are forgotten early, so size it above the admitted
   * request rate × (maxAgeMs + maxFutureMs). The default covers 64 validators each at the default rate
   * limit (a burst of 64, then 240/min: about 200 requests per 35 s window each, 13,000 in all).
   */
  maxNonces: number;
}

export const DEFAULT_REPLAY: ReplayOptions = { maxAgeMs: 30_000, maxFutureMs: 5_000, maxNonces: 32_768 };

/**
 * Timestamp window plus a nonce memory that outlives it: a request is fresh once. Nonces are recorded
 * only for requests the policy admitted, so unauthorised (even validly signed) senders cannot flush it.
 */
export class ReplayGuard {
  readonly options: ReplayOptions;
  private readonly seen: LRUCache<string, true>;
  constructor(options: Partial<ReplayOptions> = {}) {
    this.options = { ...DEFAULT_REPLAY, ...options };
    this.seen = new LRUCache({ max: this.options.maxNonces, ttl: this.options.maxAgeMs + this.options.maxFutureMs, ttlAutopurge: false });
  }

  /** Throws E_STALE or E_REPLAY. */
  check(sender: string, nonce: string, timestamp: number, now: number): void {
    if (timestamp < now - this.options.maxAgeMs || timestamp > now + this.options.maxFutureMs) {
      throw new ProtocolError('E_STALE', `timestamp ${timestamp} is ${now - timestamp} ms from the receiver's clock (window −${this.options.maxAgeMs}/+${this.options.maxFutureMs} ms)`, {
        hint: 'check the sender clock (NTP), then send a fresh request',
      });
    }
    if (this.seen.has(`${sender}:${nonce}`)) throw new ProtocolError('E_REPLAY', `nonce ${nonce} from ${sender} was already used`);
  }

  record(sender: string, nonce: string): void {
    this.seen.set(`${sender}:${nonce}`, true);
  }
}

/**
 * The verify stage: signature first, then receiver, then timestamp window and nonce. Throws a
 * ProtocolError (E_BAD_SIGNATURE, E_WRONG_RECEIVER, E_STALE, E_REPLAY); returns the request's digest.
 */
export function verifyRequest(frame: RequestFrame, receiver: string, replay: ReplayGuard, now: number): Uint8Array {
  const message = requestMessage(frame);
  if (!verifySignature(frame.sender, message, frame.signature)) {
    throw new ProtocolError('E_BAD_SIGNATURE', `signature does not verify for sender ${frame.sender}`);
  }
  if (frame.receiver !== receiver) {
    throw new ProtocolError('E_WRONG_RECEIVER', `request is addressed to ${frame.receiver}, not to this axon (${receiver})`, {
      hint: 'refresh the metagraph: the axon at this address belongs to another hotkey',
    });
  }
  replay.check(frame.sender, frame.nonce, frame.timestamp, now);
  return sha256(message);
}

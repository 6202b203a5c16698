/**
 * Timelock test vectors, each from the project that defines the behaviour (repository, file, commit).
 *
 * Ciphertexts "by tle" were produced by ideal-lab5/timelock's own Rust `tle`, compiled to WebAssembly and
 * published on npm as @ideallabs/timelock_wasm_wrapper, driven by scripts/timelock-vectors.ts (which also
 * checks flopnet's encryption against the wasm's decryption). 1.0.0 is the pre-refactor tle (w3f-bls,
 * OsRng) that bittensor-drand pins (ideal-lab5/timelock rev 5416406cfd32799e31e1795393d4916894de4468);
 * 0.2.0-dev the refactored crate (ark 0.5), whose wire format is the same.
 */

/** Quicknet's public parameters: opentensor/subtensor pallets/drand/src/tests.rs DRAND_INFO_RESPONSE @14bc6f9f9. */
export const QUICKNET_INFO = {
  publicKey:
    '83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c8c4b450b6a0a6c3ac6a5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a',
  period: 3,
  genesisTime: 1692803367,
  hash: '52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971',
  groupHash: 'f477d5c89f21a17c863a7f937c6a6d15859414d2be09cd448d4279af331c5d3e',
  schemeId: 'bls-unchained-g1-rfc9380',
};

/**
 * Quicknet round 1000 (api.drand.sh/…/public/1000): opentensor/subtensor pallets/drand/src/tests.rs
 * DRAND_PULSE @14bc6f9f9; the same signature is ideal-lab5/timelock tle/src/tlock.rs
 * `tlock_encrypt_decrypt_drand_quicknet_works` @5416406.
 */
export const PULSE_1000 = {
  round: 1000,
  randomness: 'fe290beca10872ef2fb164d2aa4442de4566183ec51c56ff3cd603d930e54fdd',
  signature: 'b44679b9a59af2ec876b1a6b1ad52ea9b1615fc3982b19576350f93447cb1125e342b73a8dd2bacbe47e4b6b63ed5e39',
};

/** The pulse pallet-drand's `it_rejects_invalid_pulse_due_to_bad_signature` refuses for round 1000 (same file). */
export const BAD_PULSE_1000 = {
  round: 1000,
  signature: 'b0a8b04e009cf72534321aca0f50048da596a3feec1172a0244d9a4a623a3123d0402da79854d4c705e94bc73224c341',
};

/** //Alice's sr25519 public key. */
export const ALICE = 'd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d';

/** WeightsTlockPayload { hotkey: Alice, uids: [0, 1, 2], values: [65535, 32768, 7], version_key: 3 }, encrypted below. */
export const PAYLOAD = { uids: [0, 1, 2], values: [65535, 32768, 7], versionKey: 3n };

const hex = (lines: string[]): string => lines.join('');

/** By tle (wasm 1.0.0) with OS randomness, to round 1000 under quicknet's key, AES key [2; 32]. */
export const TLE_CIPHERTEXT = hex([
    '98a5ae04ae473fecf4fc7a8b89fed5b738fa42d5e03398d693d5a1bbb7024382830a752e7136ea680704bc285b6861d2',
    '0985084a00c6642f938efe179472130934ca21c4238c1854da2c817371665db94e83714ec458cf6460cca5743fcb585b',
    '200000000000000063dfed1fd47e86fa399a6839cdcea6ee33d8b96bf270d1e5ddeeb48a110dc9162000000000000000',
    'ceaa37a6090375061d09483f83015c9fe3d5b2d99d66f7c308f5b1aacdb1417363000000000000004700000000000000',
    'd2d63ed76cd973bc4e1a56ded0faeea8a9238609375b3aa5eb6a0ede10207652dcf61805606146241a2028c35eda9e82',
    'd5d8c64e26d85d2a079ae82b61601c1f4b8ed581c259380c000000000000008018cf5cd9bd6f6e98c8cc200800000000',
    '0000004145535f47434d5f',
]);

/** By the refactored timelock crate (wasm 0.2.0-dev), same inputs. */
export const TIMELOCK_CIPHERTEXT = hex([
    'b145081c7afdbc07a262cad6284f326ff03c98ceb4c8f5a79ddc0e7abecfd3f4859f8ff604f22db9cf811fa5a8864e7c',
    '08c23387e9c97d05c256572ea83393648d36909bb865ce3742ec7ae1c54e01248cd1c04dc68cd930779845dee7e5649e',
    '20000000000000008c2008f5fbd771d71b8079a6087b22218a81c4b0b8571d76eda203673a9b4ad72000000000000000',
    'bb4afff8cc32b3101833381e91a141c3582359c7a3fa0e092a3b92877352717063000000000000004700000000000000',
    '1b5e9c4f9813a520dfed9c32f1e178124956613bf4716350e5f6f0ea56926900987b7c94cc11ab6c4d8b406656e18797',
    '531b6259264c889f2fdc9815b5d0ed198a63df2bf076180c00000000000000e77d20e52356fbedd1488e8f0800000000',
    '0000004145535f47434d5f',
]);

/**
 * By tle (wasm 1.0.0) with its OS randomness replaced by the stream "byte i = (37·i + 11) mod 256", AES key
 * [2; 32]: the ciphertext flopnet must reproduce byte for byte from the same random bytes.
 */
export const TLE_FIXED_STREAM_CIPHERTEXT = hex([
    'b1c1f23a7966865a2a8003a692a1b4914ced1e63b5154a9143831557cb0a8a0a67371e6dbdc1a6ceb289042e7412aacd',
    '069f31e314cb0154bb59ee1d96be69355a724bca92184981762529443c158c2e321f3e993168f7e0820542810e86055e',
    '2000000000000000255481e827ba9e96edaaad170c5649780e3eacd144c4936b00224aa3f5395c0d2000000000000000',
    '620d1386c2ad85d5dd1e78d33aa9d89fa74afa1e8570b87d6f843fe4ce04052863000000000000004700000000000000',
    '62a0647e7c51a858e3283c64e036311e41eddda75be54464de7edeaa63df68d5b39b081966bbce4690d87581a564d025',
    'b040895c5af34ea45ff882fdd9d79e9dad0bc3ba1814330c00000000000000abd0f51a3f6489aed3f81d420800000000',
    '0000004145535f47434d5f',
]);

/** The stream above, served in the order tle draws it. */
export function fixedStream(): (n: number) => Uint8Array {
  let position = 0;
  return (n) => {
    const out = Uint8Array.from({ length: n }, (_, i) => ((position + i) * 37 + 11) & 0xff);
    position += n;
    return out;
  };
}

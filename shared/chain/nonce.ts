/**
 * Nonces for quick successive transactions from one key. The chain's "next nonce" lags behind a
 * transaction the pool has not yet reported, so two calls from one key in the same block would both
 * read N and one would be refused as a duplicate. The tracker hands out nonces per signer one at a
 * time — each caller holds its signer's slot only until the pool has accepted (or refused) its
 * extrinsic — and never goes below what the chain reports. A refusal forgets the local counter so the
 * next call starts again from the chain's value. Nothing retries.
 */
export type FetchNonce = (address: string) => Promise<number>;

export class NonceTracker {
  readonly #fetch: FetchNonce;
  readonly #next = new Map<string, number>();
  readonly #tail = new Map<string, Promise<void>>();

  constructor(fetch: FetchNonce) {
    this.#fetch = fetch;
  }

  /**
   * Runs `submit(nonce)` with this signer's next nonce; `submit` resolves once the pool accepted the
   * extrinsic and rejects if it was refused. Calls for one address run in order; others in parallel.
   */
  async withNonce<T>(address: string, submit: (nonce: number) => Promise<T>): Promise<T> {
    const previous = this.#tail.get(address) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.#tail.set(address, tail);
    await previous;
    try {
      const chain = await this.#fetch(address);
      const nonce = Math.max(chain, this.#next.get(address) ?? 0);
      try {
        const result = await submit(nonce);
        this.#next.set(address, nonce + 1);
        return result;
      } catch (error) {
        this.#next.delete(address);
        throw error;
      }
    } finally {
      release();
      if (this.#tail.get(address) === tail) this.#tail.delete(address);
    }
  }
}

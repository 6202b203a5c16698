/**
 * Label values that come from outside the program's own enumerations (a reason code a miner sent, a
 * chain error name) are kept to a bounded set: a value is used as it is while it looks like a code and
 * fewer than `max` distinct ones were seen, and counted as `other` after that. Prometheus keeps one
 * series per label value, so a peer that could choose label values could exhaust its memory.
 */
const CODE = /^[A-Za-z][A-Za-z0-9_.]{0,63}$/;

export class BoundedLabel {
  private readonly seen = new Set<string>();
  constructor(private readonly max = 64) {}

  value(raw: string | undefined | null): string {
    if (raw === undefined || raw === null || !CODE.test(raw)) return 'other';
    if (this.seen.has(raw)) return raw;
    if (this.seen.size >= this.max) return 'other';
    this.seen.add(raw);
    return raw;
  }
}

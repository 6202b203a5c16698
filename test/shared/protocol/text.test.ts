import { describe, expect, it } from 'vitest';
import { printable } from '../../../shared/protocol/text.js';

describe('printable', () => {
  it('replaces terminal escapes, newlines, bidi overrides and zero-width characters', () => {
    expect(printable('\x1b[2J\x1b[31mRTX\x1b[0m', 64)).toBe('?[2J?[31mRTX?[0m');
    expect(printable('H100\n2026-01-01 INFO fake log line\r', 64)).toBe('H100?2026-01-01 INFO fake log line?');
    expect(printable('a\u202eb\u200bc\u2028d\x7f\x9b', 64)).toBe('a?b?c?d??');
  });

  it('keeps ordinary text, accents and emoji, and cuts at a code point', () => {
    expect(printable('NVIDIA GeForce RTX 4090 — é 🚀', 64)).toBe('NVIDIA GeForce RTX 4090 — é 🚀');
    expect(printable('🚀'.repeat(10), 4)).toBe('🚀🚀🚀…');
    expect(printable('abc', 3)).toBe('abc');
  });
});

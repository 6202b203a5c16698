/**
 * Text a peer wrote, made safe to print and log: a miner's device name or refusal message must not move
 * the cursor, recolour a terminal, forge a log line or reverse the text around it.
 */

/** C0 and C1 controls, DEL, line and paragraph separators, and format characters (bidi overrides, zero-width). */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\u2028\u2029]/gu;

/** `text` with every control or format character replaced by '?', cut to `maxChars` code points ('…' marks a cut). */
export function printable(text: string, maxChars: number): string {
  const clean = text.replace(UNPRINTABLE, '?');
  const chars = [...clean];
  return chars.length <= maxChars ? clean : `${chars.slice(0, Math.max(0, maxChars - 1)).join('')}…`;
}

/**
 * The miner's live status line on a terminal: one line redrawn in place under the log, which is cleared
 * before each log line and redrawn after it so the two never interleave.
 */
import type { MinerStats } from './miner.js';

const short = (hotkey: string): string => `${hotkey.slice(0, 6)}…${hotkey.slice(-4)}`;

/** One short line (fits 80 columns in the usual case): chain position, device, counts, the last challenge. Pure. */
export function formatStatus(stats: MinerStats, uid: number | undefined, block: number | undefined): string {
  const refused = Object.values(stats.refused).reduce((a, b) => a + b, 0);
  const device = stats.running ? `busy (${short(stats.running)})` : 'idle';
  const last = stats.last
    ? ` · last ${stats.last.precision} ${stats.last.execution ? `${stats.last.execution.gemms}/` : ''}${stats.last.m}×${stats.last.n}×${stats.last.k} ${stats.last.error ?? `${Math.round(stats.last.elapsedMs)}ms`}`
    : '';
  return (
    `uid ${uid ?? '?'} #${block ?? '?'} · ${device} +${stats.queued} · ${stats.challenges.ok} ok ${stats.challenges.failed} failed · ` +
    `${stats.served} served ${refused} refused · ${stats.connections} conn${last}`
  );
}

export class StatusLine {
  private text = '';
  private shown = false;
  constructor(private readonly stream: NodeJS.WriteStream) {}

  /** Writes a log line above the status line. */
  log(line: string): void {
    this.clear();
    this.stream.write(line + '\n');
    this.draw();
  }

  update(text: string): void {
    if (text === this.text && this.shown) return;
    this.text = text.length > (this.stream.columns ?? 120) - 1 ? text.slice(0, (this.stream.columns ?? 120) - 2) + '…' : text;
    this.clear();
    this.draw();
  }

  clear(): void {
    if (this.shown) this.stream.write('\r\x1b[2K');
    this.shown = false;
  }

  private draw(): void {
    if (!this.text) return;
    this.stream.write(this.text);
    this.shown = true;
  }
}

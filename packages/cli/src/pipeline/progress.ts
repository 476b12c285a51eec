/**
 * Progress bars for long work: done/total, rate and ETA. On a terminal one line redraws in place; in a log
 * (CI, pipes) a line is printed every `every` seconds instead.
 */
export class Progress {
  private readonly start = Date.now();
  private lastPrint = 0;
  private readonly tty: boolean;

  constructor(
    readonly label: string,
    readonly total: number,
    readonly unit = 'it',
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly every = 15,
  ) {
    this.tty = Boolean(out.isTTY);
  }

  update(done: number, extra = ''): void {
    const now = Date.now();
    const final = done >= this.total;
    if (!this.tty && !final && now - this.lastPrint < this.every * 1000 && this.lastPrint !== 0) return;
    this.lastPrint = now;
    const s = (now - this.start) / 1000;
    const rate = done / Math.max(s, 1e-9);
    const eta = rate > 0 ? (this.total - done) / rate : Infinity;
    const width = 24;
    const filled = Math.round((width * Math.min(done, this.total)) / Math.max(1, this.total));
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    const line = `${this.label} ${bar} ${done}/${this.total} ${rate >= 1 ? rate.toFixed(2) : (1 / Math.max(rate, 1e-9)).toFixed(2)} ${rate >= 1 ? `${this.unit}/s` : `s/${this.unit}`} · ${formatSeconds(s)} elapsed · ETA ${formatSeconds(eta)}${extra ? ` · ${extra}` : ''}`;
    this.out.write(this.tty ? `\r\x1b[K${line}${final ? '\n' : ''}` : `${line}\n`);
  }
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '–';
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${s.toFixed(0)}s`;
}

/**
 * The progress line on stderr: rows and bytes written, of the total the manifest gives, the
 * rate and the time left. Redrawn in place on a terminal; elsewhere one line per second.
 */

import type { ExportProgress } from '../export/options';

const MB = 1024 * 1024;

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export class ProgressLine {
  private readonly started = Date.now();
  private lastDrawn = 0;
  private drawn = false;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly inPlace: boolean,
  ) {}

  private text(p: ExportProgress): string {
    const seconds = Math.max((Date.now() - this.started) / 1000, 0.001);
    const rows = p.totalRows === null ? `${p.rows} rows` : `${p.rows}/${p.totalRows} rows`;
    let line = `${rows}  ${(p.bytes / MB).toFixed(1)} MB  ${(p.bytes / MB / seconds).toFixed(1)} MB/s`;
    if (p.totalRows !== null && p.rows > 0 && p.rows < p.totalRows) {
      line += `  ETA ${duration(((p.totalRows - p.rows) * seconds) / p.rows)}`;
    }
    return line;
  }

  update(p: ExportProgress): void {
    const now = Date.now();
    if (now - this.lastDrawn < (this.inPlace ? 200 : 1000)) return;
    this.lastDrawn = now;
    this.draw(p);
  }

  done(p: ExportProgress): void {
    this.draw(p);
    if (this.inPlace) this.out.write('\n');
  }

  private draw(p: ExportProgress): void {
    this.drawn = true;
    this.out.write(this.inPlace ? `\r\x1b[2K${this.text(p)}` : `${this.text(p)}\n`);
  }

  /** Ends a line left open in place (after an error or interrupt). */
  close(): void {
    if (this.drawn && this.inPlace) this.out.write('\n');
    this.drawn = false;
  }
}

/** A one-line terminal progress bar (redrawn in place on a TTY, a single summary line otherwise). */
import type { WriteStream } from 'node:tty';

export function progressBar(stream: NodeJS.WriteStream | WriteStream, width = 30) {
  const tty = Boolean((stream as WriteStream).isTTY);
  const t0 = Date.now();
  let last = '';
  return {
    update(step: number, total: number): void {
      if (!tty) return;
      const filled = Math.round((step / total) * width);
      last = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${step}/${total} steps ${((Date.now() - t0) / 1000).toFixed(1)}s`;
      stream.write(`\r${last}`);
    },
    done(summary: string): void {
      stream.write(tty ? `\r${last} done in ${summary}\n` : `sampled in ${summary}\n`);
    },
  };
}

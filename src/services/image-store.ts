/**
 * Generated images on disk, one folder per job: `<IMAGE_DIR>/<jobId>/<index>.png` and `grid.png`.
 * U/V buttons on old results start from these files; when one is missing (disk cleaned), the job
 * service regenerates the image from its stored seed instead.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export class ImageStore {
  constructor(readonly dir: string) {}

  imagePath(jobId: number, index: number): string {
    return path.join(this.dir, String(jobId), `${index}.png`);
  }

  gridPath(jobId: number): string {
    return path.join(this.dir, String(jobId), 'grid.png');
  }

  async saveImage(jobId: number, index: number, png: Buffer): Promise<string> {
    const file = this.imagePath(jobId, index);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, png);
    return file;
  }

  async saveGrid(jobId: number, png: Buffer): Promise<string> {
    const file = this.gridPath(jobId);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, png);
    return file;
  }

  /** The PNG, or undefined when it is gone. */
  async load(file: string): Promise<Buffer | undefined> {
    try {
      return await readFile(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }
}

/**
 * Generated images on disk, one folder per job: `<IMAGE_DIR>/<jobId>/<index>.png` and `grid.png`.
 * The database stores paths relative to IMAGE_DIR, so the folder can move. Rows written before
 * that hold absolute paths: they are read where they point, else at the same `<jobId>/<file>`
 * under today's IMAGE_DIR. U/V buttons on old results start from these files; when one is missing
 * (disk cleaned, retention), the job service regenerates the image from its stored seed.
 * Pictures members upload (/diffuse image:) wait in `uploads/<key>.png` for the job that starts
 * from them; they are stored before that job exists, so they are named by the upload, not the job.
 */
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

export class ImageFiles {
  constructor(readonly dir: string) {}

  /** What the database stores for image `index` of a job. */
  imagePath(jobId: number, index: number): string {
    return `${jobId}/${index}.png`;
  }

  /** A film job's animated WebP. */
  filmPath(jobId: number): string {
    return `${jobId}/film.webp`;
  }

  async saveFilm(jobId: number, webp: Buffer): Promise<string> {
    return this.#write(this.filmPath(jobId), webp);
  }

  gridPath(jobId: number): string {
    return `${jobId}/grid.png`;
  }

  /** What a job's inputPath stores for an uploaded picture; `key` names the upload (its interaction's id). */
  uploadPath(key: string): string {
    if (!/^[\w-]{1,64}$/.test(key)) throw new Error(`expected an upload key of letters, digits, _ or -, got ${JSON.stringify(key)}`);
    return `${UPLOADS}/${key}.png`;
  }

  async saveUpload(key: string, png: Buffer): Promise<string> {
    return this.#write(this.uploadPath(key), png);
  }

  /** Removes a stored file (an upload whose job was refused); nothing when it is gone already. */
  async remove(stored: string): Promise<void> {
    await rm(this.absolute(stored), { force: true });
  }

  /** Where a stored path lies on disk today. */
  absolute(stored: string): string {
    return path.isAbsolute(stored) ? stored : path.join(this.dir, stored);
  }

  /** Writes image `index` of a job; answers the path to store. Writing it again replaces it. */
  async saveImage(jobId: number, index: number, png: Buffer): Promise<string> {
    return this.#write(this.imagePath(jobId, index), png);
  }

  async saveGrid(jobId: number, png: Buffer): Promise<string> {
    return this.#write(this.gridPath(jobId), png);
  }

  /** The PNG, or undefined when it is gone. */
  async load(stored: string): Promise<Buffer | undefined> {
    const found = await readIfThere(this.absolute(stored));
    if (found || !path.isAbsolute(stored)) return found;
    // A row from before paths were relative, and the folder has moved since.
    return readIfThere(path.join(this.dir, path.basename(path.dirname(stored)), path.basename(stored)));
  }

  /**
   * Deletes image files last written before `cutoff`, except in the folders of `keep` jobs and the
   * uploads in `keepFiles` (stored paths); empty job folders go too. Answers how many files it deleted.
   */
  async deleteOlderThan(cutoff: Date, keep: ReadonlySet<number>, keepFiles: ReadonlySet<string> = new Set()): Promise<number> {
    let deleted = 0;
    const folders = await listDir(this.dir);
    for (const upload of await listDir(path.join(this.dir, UPLOADS))) {
      const stored = `${UPLOADS}/${upload.name}`;
      if (!upload.isFile() || keepFiles.has(stored) || (await stat(this.absolute(stored))).mtime >= cutoff) continue;
      await rm(this.absolute(stored), { force: true });
      deleted++;
    }
    for (const folder of folders) {
      const jobId = Number(folder.name);
      if (!folder.isDirectory() || !Number.isSafeInteger(jobId) || keep.has(jobId)) continue;
      const dir = path.join(this.dir, folder.name);
      const files = await readdir(dir, { withFileTypes: true });
      let left = files.length;
      for (const file of files) {
        if (!file.isFile() || !/\.(png|webp)$/.test(file.name)) continue;
        const full = path.join(dir, file.name);
        if ((await stat(full)).mtime >= cutoff) continue;
        await rm(full, { force: true });
        deleted++;
        left--;
      }
      if (left === 0) await rm(dir, { recursive: true, force: true });
    }
    return deleted;
  }

  async #write(stored: string, png: Buffer): Promise<string> {
    const file = path.join(this.dir, stored);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, png);
    return stored;
  }
}

const UPLOADS = 'uploads';

async function listDir(dir: string) {
  return readdir(dir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
}

async function readIfThere(file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

// Images a job produced: one row per grid position, pointing at a file of the image store.
import type { Image } from '../generated/prisma/sqlite/client.ts';
import type { StoreContext } from './context.ts';
import { requireCount, requirePositive } from './validate.ts';

export interface ImageRecord {
  id: number;
  jobId: number;
  // 0-based grid position: U1 is index 0.
  index: number;
  seed: number;
  path: string;
  width: number;
  height: number;
  createdAt: Date;
}

export interface NewImage {
  index: number;
  seed: number;
  path: string;
  width: number;
  height: number;
}

export interface ImageRepository {
  add(jobId: number, image: NewImage): Promise<ImageRecord>;
  // Ordered by index.
  listByJob(jobId: number): Promise<ImageRecord[]>;
  get(jobId: number, index: number): Promise<ImageRecord | null>;
}

function toImageRecord(row: Image): ImageRecord {
  return { ...row, seed: Number(row.seed) };
}

export function createImageRepository(ctx: StoreContext): ImageRepository {
  const { db } = ctx;
  return {
    async add(jobId, image) {
      requireCount('image index', image.index);
      requireCount('image seed', image.seed);
      requirePositive('image width', image.width);
      requirePositive('image height', image.height);
      const row = await db.image
        .create({ data: { ...image, jobId, seed: BigInt(image.seed), createdAt: ctx.now() } })
        .catch((error: unknown) => {
          throw new Error(
            `expected to add image ${image.index} to job ${jobId} (an existing job, a free index): ${(error as Error).message}`,
            { cause: error },
          );
        });
      return toImageRecord(row);
    },
    async listByJob(jobId) {
      const rows = await db.image.findMany({ where: { jobId }, orderBy: { index: 'asc' } });
      return rows.map(toImageRecord);
    },
    async get(jobId, index) {
      const row = await db.image.findUnique({ where: { jobId_index: { jobId, index } } });
      return row === null ? null : toImageRecord(row);
    },
  };
}

/** Paths into ../shared (beside the repository, read-only): reference data the tests check against. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function sharedPath(...parts: string[]): string {
  return path.join(repoRoot, '..', 'shared', ...parts);
}

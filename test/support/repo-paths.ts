/** Paths inside the repository: its root, and the reference data the tests check against (test/fixtures). */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A file under test/fixtures (see test/fixtures/README.md for where each came from). */
export function fixturePath(...parts: string[]): string {
  return path.join(repoRoot, 'test', 'fixtures', ...parts);
}

import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { RawBundle } from './bundle.ts';

/**
 * Writes a bundle folder (`--save-evidence DIR`), creating subfolders. Only bundle-relative
 * paths are written: a path that climbs out of the folder is refused.
 */
export async function writeBundle(dir: string, raw: RawBundle): Promise<void> {
  for (const [rel, text] of raw.files) {
    if (rel.split('/').includes('..') || rel.startsWith('/')) throw new Error(`refusing to write ${rel} outside ${dir}`);
    const full = join(dir, rel);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, text);
  }
}

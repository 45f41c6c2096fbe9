import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { RawBundle } from './bundle.ts';
import { BundleError } from './errors.ts';

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

/**
 * Makes sure `--save-evidence DIR` can take a bundle before anything is collected: DIR must be
 * a new or empty folder (a bundle holds one collection; mixing in files from an older one would
 * make a wrong diagnosis), and it is created now, so a bad path fails in a second, not after the
 * whole check. Refusals are {@link BundleError}s naming the folder and what to do.
 */
export async function prepareBundleDir(dir: string): Promise<void> {
  const info = await stat(dir).catch(() => undefined);
  if (info && !info.isDirectory()) throw new BundleError(`--save-evidence ${dir}: a file of that name exists; name a new or empty folder for the evidence bundle`);
  if (info && (await readdir(dir)).length > 0) throw new BundleError(`--save-evidence ${dir}: the folder is not empty; name a new or empty folder (a bundle holds one collection, and older files would mix in)`);
  await mkdir(dir, { recursive: true }).catch((e: NodeJS.ErrnoException) => {
    throw new BundleError(`--save-evidence ${dir}: cannot create the folder (${e.code ?? e.message})`, { cause: e });
  });
}

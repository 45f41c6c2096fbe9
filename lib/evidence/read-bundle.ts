import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { BundleError, EvidenceParseError } from './errors.ts';
import type { RawBundle } from './bundle.ts';
import { decodeText } from './text.ts';

/** Largest evidence file read (an `nginx -T` of a big fleet stays well under it). */
const MAX_FILE_BYTES = 64 * 1024 * 1024;

/**
 * Reads every regular file under a bundle folder into a {@link RawBundle}. The only I/O of the
 * analyze path. A missing folder or an unreadable file is a {@link BundleError} naming it; a file
 * that is not text in a known encoding goes to `undecodable` with the line of its first bad byte
 * (see {@link decodeText}), so the other files are still analyzed.
 */
export async function readBundle(dir: string): Promise<RawBundle> {
  const info = await stat(dir).catch(() => undefined);
  if (!info) throw new BundleError(`${dir}: no such folder`);
  if (!info.isDirectory()) throw new BundleError(`${dir}: not a folder (an evidence bundle is a folder with service.yaml in it)`);
  const files = new Map<string, string>();
  const undecodable = new Map<string, { line?: number; message: string }>();
  const walk = async (at: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(at, { withFileTypes: true });
    } catch (e) {
      throw new BundleError(`${relative(dir, at) || dir}: cannot list folder (${(e as NodeJS.ErrnoException).code ?? 'error'})`, { cause: e });
    }
    for (const entry of entries) {
      const full = join(at, entry.name);
      const rel = relative(dir, full).split(sep).join('/');
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) {
        if (entry.name.startsWith('.')) continue;
        const size = (await stat(full)).size;
        if (size > MAX_FILE_BYTES) throw new BundleError(`${rel}: larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB`);
        let bytes: Buffer;
        try {
          bytes = await readFile(full);
        } catch (e) {
          throw new BundleError(`${rel}: cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`, { cause: e });
        }
        try {
          files.set(rel, decodeText(bytes));
        } catch (e) {
          if (!(e instanceof EvidenceParseError)) throw e;
          undecodable.set(rel, { ...(e.line !== undefined ? { line: e.line } : {}), message: e.message });
        }
      }
    }
  };
  await walk(dir);
  return undecodable.size > 0 ? { files, undecodable } : { files };
}

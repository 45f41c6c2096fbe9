import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { promisify } from 'node:util';
import type { z } from 'zod';
import { EvidenceParseError } from '../../evidence/errors.ts';
import { globToRegExp, parseNginxTree, type NginxDirective } from '../../evidence/nginx.ts';
import type { NginxLocationSchema } from '../../evidence/service.ts';
import { decodeText } from '../../evidence/text.ts';
import { ProviderError } from '../errors.ts';

export type NginxLocation = z.infer<typeof NginxLocationSchema>;
const run = promisify(execFile);

/**
 * Collects one NGINX instance as `nginx -T -c FILE` prints it, so includes are resolved the way
 * NGINX resolves them. Without the binary (a config copied to a bastion, say) the file and its
 * includes are read directly and laid out in the same `# configuration file` format; when
 * `nginx -T` fails, its first emergency line says why in a note and the files are read instead.
 * Text that is not UTF-8 fails the instance with the file and line, rather than being read with
 * replacement characters that a fix would write back.
 */
export async function collectNginx(n: NginxLocation, timeoutMs: number): Promise<{ files: Record<string, string>; notes: string[] }> {
  const notes: string[] = [];
  let stdout: Buffer | undefined;
  try {
    stdout = (await run(n.binary ?? 'nginx', ['-T', '-q', '-c', n.config], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: 'buffer' })).stdout;
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: Buffer | string };
    if (err.code !== 'ENOENT') {
      const lines = (err.stderr?.toString() ?? err.message).trim().split('\n');
      const reason = (lines.find((l) => /\[(emerg|alert|crit)\]/.test(l)) ?? lines.pop() ?? err.message).replace(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \[(\w+)\] \d+#\d+: /, 'nginx: [$1] ');
      notes.push(`nginx ${n.name}: nginx -T failed (${reason}); read the files instead`);
    }
  }
  if (stdout) return { files: { [`nginx/${n.name}.conf`]: decoded(stdout, `nginx -T -c ${n.config}`) }, notes };
  return { files: { [`nginx/${n.name}.conf`]: await dumpFiles(n.config) }, notes };
}

function decoded(bytes: Buffer, what: string): string {
  try {
    return decodeText(bytes);
  } catch (e) {
    if (!(e instanceof EvidenceParseError)) throw e;
    throw new ProviderError(`cannot read ${what}:${e.line}: ${e.message}`, { cause: e });
  }
}

async function expandInclude(pattern: string): Promise<string[]> {
  if (!/[*?]/.test(pattern)) return [pattern];
  const dir = dirname(pattern);
  const re = globToRegExp(pattern);
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.map((n) => join(dir, n)).filter((p) => re.test(p)).sort();
}

/**
 * Reads a config and its includes into exactly what `nginx -T` prints: each file once, in the
 * order NGINX opens them (an include where it appears, globs sorted), relative paths resolved
 * against the main file's folder, each under `# configuration file <path>:` and followed by a
 * newline. An include that cannot be read is left out (the analysis reports it missing); a file
 * that does not parse is kept but its includes are not followed.
 */
export async function dumpFiles(main: string): Promise<string> {
  const base = dirname(main);
  const seen = new Set<string>();
  const parts: string[] = [];
  const visit = async (file: string, depth: number): Promise<void> => {
    if (seen.has(file) || depth > 16) return;
    seen.add(file);
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (e) {
      if (depth === 0) throw new ProviderError(`cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`, { cause: e });
      return;
    }
    const text = decoded(bytes, file);
    parts.push(`# configuration file ${file}:\n${text}\n`);
    const includes: string[] = [];
    const walk = (ds: NginxDirective[]) => {
      for (const d of ds) {
        if (d.name === 'include' && d.args[0]) includes.push(isAbsolute(d.args[0]) ? d.args[0] : join(base, d.args[0]));
        if (d.block) walk(d.block);
      }
    };
    try {
      walk(parseNginxTree(text, file));
    } catch {
      return;
    }
    for (const inc of includes) for (const f of await expandInclude(inc)) await visit(f, depth + 1);
  };
  await visit(main, 0);
  return parts.join('');
}

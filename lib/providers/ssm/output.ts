import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';

/** Raised when a script's output is not what it prints: truncated, corrupted, or another program's. */
export class SsmOutputError extends Error {
  override readonly name = 'SsmOutputError';
}

/** The header of a collection's output: how long the whole payload is, in how many chunks, and its hash. */
export interface PayloadHeader {
  size: number;
  chunks: number;
  sha256: string;
  /** The payload's first chunk (base64). */
  first: string;
}

const lineAfter = (text: string, marker: string): { line: string; rest: string } | undefined => {
  const at = text.indexOf(marker);
  if (at < 0) return undefined;
  const nl = text.indexOf('\n', at);
  if (nl < 0) return undefined;
  return { line: text.slice(at, nl), rest: text.slice(nl + 1) };
};

/** Reads `STICKY-PAYLOAD 1 <size> <chunks> <sha256>` and the first chunk that follows it. */
export function parsePayloadHeader(stdout: string): PayloadHeader {
  const found = lineAfter(stdout, 'STICKY-PAYLOAD ');
  const m = found && /^STICKY-PAYLOAD 1 (\d+) (\d+) ([0-9a-f]{64})$/.exec(found.line);
  if (!found || !m) throw new SsmOutputError('the instance did not answer with a collection payload');
  const end = found.rest.indexOf('\nSTICKY-END');
  if (end < 0) throw new SsmOutputError('the collection output was cut short');
  return { size: Number(m[1]), chunks: Number(m[2]), sha256: m[3]!, first: found.rest.slice(0, end) };
}

/** Reads one further chunk (`STICKY-CHUNK <n>` then the text). */
export function parseChunk(stdout: string, index: number): string {
  const found = lineAfter(stdout, 'STICKY-CHUNK ');
  if (!found || found.line !== `STICKY-CHUNK ${index}`) throw new SsmOutputError(`chunk ${index} of the collection output is missing`);
  const end = found.rest.indexOf('\nSTICKY-END');
  if (end < 0) throw new SsmOutputError(`chunk ${index} of the collection output was cut short`);
  return found.rest.slice(0, end);
}

/** One named part of a collection: a file, a command's output, or an error (`error <what>`). */
export interface Part {
  name: string;
  text: string;
}

/**
 * Checks the reassembled payload (length and sha256 of the base64 text), decompresses it and
 * splits it into its parts: each is `<byte length> <name>\n<bytes>\n`.
 */
export function decodePayload(header: PayloadHeader, b64: string): Part[] {
  if (b64.length !== header.size) throw new SsmOutputError(`the collection output is ${b64.length} characters long, ${header.size} were announced`);
  if (createHash('sha256').update(b64).digest('hex') !== header.sha256) throw new SsmOutputError('the collection output does not match its checksum');
  let raw: Buffer;
  try {
    raw = gunzipSync(Buffer.from(b64, 'base64'));
  } catch (e) {
    throw new SsmOutputError(`the collection output does not decompress: ${(e as Error).message}`);
  }
  const parts: Part[] = [];
  let at = 0;
  while (at < raw.length) {
    const nl = raw.indexOf(10, at);
    const m = nl < 0 ? null : /^(\d+) (.+)$/.exec(raw.subarray(at, nl).toString('utf8'));
    if (!m) throw new SsmOutputError(`malformed part header at byte ${at} of the collection output`);
    const size = Number(m[1]);
    const start = nl + 1;
    if (start + size + 1 > raw.length) throw new SsmOutputError(`part "${m[2]}" of the collection output is cut short`);
    parts.push({ name: m[2]!, text: raw.subarray(start, start + size).toString('utf8') });
    at = start + size + 1;
  }
  return parts;
}

/** The result lines of an apply script: its steps, backups, and how it ended. */
export interface ScriptResult {
  steps: string[];
  backups: { path: string; backup: string }[];
  outcome: { kind: 'done' } | { kind: 'refused' | 'invalid' | 'failed'; reason: string } | undefined;
}

/** Reads the `STICKY-*` lines an apply or rollback script prints. */
export function parseScriptResult(stdout: string): ScriptResult {
  const r: ScriptResult = { steps: [], backups: [], outcome: undefined };
  for (const line of stdout.split('\n')) {
    const m = /^STICKY-([A-Z]+)(?: (.*))?$/.exec(line);
    if (!m) continue;
    const rest = m[2] ?? '';
    if (m[1] === 'STEP') r.steps.push(rest);
    else if (m[1] === 'BACKUP') {
      const [path, backup] = rest.split('\t');
      if (path && backup) r.backups.push({ path, backup });
    } else if (m[1] === 'DONE') r.outcome ??= { kind: 'done' };
    else if (m[1] === 'REFUSED' || m[1] === 'INVALID' || m[1] === 'FAILED') r.outcome ??= { kind: m[1].toLowerCase() as 'refused' | 'invalid' | 'failed', reason: rest };
  }
  return r;
}

import { EvidenceParseError } from './errors.ts';
import type { SourceRef } from './source.ts';

/** One server row of the Runtime API's `show stat` (CSV), reduced to what health rules read. */
export interface HaproxyStatRow {
  backend: string;
  server: string;
  /** `UP`, `DOWN`, `UP 1/3` (going down), `MAINT`, `DRAIN`, `no check`, ... */
  status: string;
  /** UP → DOWN transitions since the process started (HAProxy resets the counters on reload). */
  chkdown: number | undefined;
  /** Seconds since the last UP ↔ DOWN transition. */
  lastchg: number | undefined;
  /** Failed checks while the server was up. */
  chkfail: number | undefined;
  checkStatus: string;
  ref: SourceRef;
}

const REQUIRED = ['pxname', 'svname', 'status'];

/**
 * Parses `show stat` output: a `# pxname,svname,...` header naming the CSV columns, then one row
 * per frontend, backend, server and listener. Columns are looked up by header name (HAProxy
 * appends columns between versions); only server rows are kept (`type` 2, or any row whose
 * `svname` is not FRONTEND or BACKEND when the type column is absent). Empty numeric cells (a
 * server without checks) read as undefined.
 */
export function parseStat(text: string, file: string): HaproxyStatRow[] {
  const lines = text.split('\n');
  let header: string[] | undefined;
  const rows: HaproxyStatRow[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    if (line.startsWith('#')) {
      header = line.replace(/^#\s*/, '').split(',');
      const missing = REQUIRED.filter((c) => !header!.includes(c));
      if (missing.length > 0) throw new EvidenceParseError(`"show stat" header lacks ${missing.join(', ')}`, i + 1);
      continue;
    }
    if (!header) throw new EvidenceParseError('expected the "# pxname,svname,..." header of "show stat" before any row', i + 1);
    const cells = line.split(',');
    const col = (name: string) => {
      const at = header!.indexOf(name);
      return at >= 0 ? (cells[at] ?? '') : '';
    };
    const num = (name: string) => {
      const v = col(name);
      if (v === '') return undefined;
      const n = Number(v);
      if (!Number.isFinite(n)) throw new EvidenceParseError(`column ${name} is "${v.slice(0, 40)}", not a number`, i + 1);
      return n;
    };
    const type = col('type');
    const server = col('svname');
    const isServer = type !== '' ? type === '2' : server !== 'FRONTEND' && server !== 'BACKEND';
    if (!isServer) continue;
    if (!col('pxname') || !server) throw new EvidenceParseError(`expected "pxname,svname,...", got "${line.slice(0, 80)}"`, i + 1);
    rows.push({
      backend: col('pxname'), server, status: col('status'), chkdown: num('chkdown'), lastchg: num('lastchg'), chkfail: num('chkfail'),
      checkStatus: col('check_status'), ref: { file, line: i + 1, text: line },
    });
  }
  return rows;
}

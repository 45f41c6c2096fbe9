import { EvidenceParseError } from './errors.ts';
import type { SourceRef } from './source.ts';

/** One row of the Runtime API's `show servers state`. */
export interface ServerState {
  backend: string;
  server: string;
  address: string;
  /** 0 stopped, 1 starting, 2 running, 3 stopping. */
  opState: number;
  /** Bit field: 1 forced maintenance, 2 inherited maintenance, 4 maintenance via resolver, 8 forced drain, 16 inherited drain. */
  adminState: number;
  ref: SourceRef;
}

/** Whether the server is in maintenance (any MAINT bit). */
export const inMaintenance = (s: ServerState): boolean => (s.adminState & 0b0111) !== 0;
/** Whether the server is draining (DRAIN bits), the graceful way out that keeps sticky clients. */
export const isDraining = (s: ServerState): boolean => (s.adminState & 0b11000) !== 0;

const DEFAULT_COLUMNS = ['be_id', 'be_name', 'srv_id', 'srv_name', 'srv_addr', 'srv_op_state', 'srv_admin_state'];

/**
 * Parses `show servers state` output: a version line, a `#` header naming the columns, then one
 * space-separated row per server. Columns are looked up by header name so later HAProxy
 * versions that append columns still parse.
 */
export function parseServersState(text: string, file: string): ServerState[] {
  const rows: ServerState[] = [];
  let columns = DEFAULT_COLUMNS;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    if (line.startsWith('#')) {
      columns = line.slice(1).trim().split(/\s+/);
      continue;
    }
    const cells = line.split(/\s+/);
    if (cells.length === 1 && /^\d+$/.test(cells[0]!)) continue;
    const col = (name: string) => {
      const at = columns.indexOf(name);
      return at >= 0 ? cells[at] : undefined;
    };
    const backend = col('be_name');
    const server = col('srv_name');
    const op = Number(col('srv_op_state'));
    const admin = Number(col('srv_admin_state'));
    if (!backend || !server || !Number.isInteger(op) || !Number.isInteger(admin)) {
      throw new EvidenceParseError(`expected "be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state ...", got "${line.slice(0, 80)}"`, i + 1);
    }
    rows.push({ backend, server, address: col('srv_addr') ?? '', opState: op, adminState: admin, ref: { file, line: i + 1, text: line } });
  }
  return rows;
}

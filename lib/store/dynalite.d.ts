declare module 'dynalite' {
  import type { Server } from 'node:http';
  /** dynalite: a DynamoDB-compatible server backed by LevelDB (in memory without `path`). */
  export default function dynalite(options?: { path?: string; createTableMs?: number; deleteTableMs?: number; updateTableMs?: number; ssl?: boolean }): Server;
}

import { connect, type NetConnectOpts } from 'node:net';
import { ProviderError } from '../errors.ts';

/**
 * Parses a Runtime API address as HAProxy writes it in `stats socket`: a path or `unix@path`
 * for a UNIX socket, `ipv4@host:port`, `ipv6@[host]:port` or plain `host:port` for TCP.
 */
export function runtimeAddress(address: string): NetConnectOpts {
  const tcp = /^(?:ipv4@|ipv6@)?\[?([^\]@]+?)\]?:(\d+)$/.exec(address);
  if (tcp && !address.startsWith('/') && !address.startsWith('unix@')) return { host: tcp[1]!, port: Number(tcp[2]) };
  return { path: address.replace(/^unix@/, '') };
}

/**
 * Sends one command to the HAProxy Runtime API and returns its reply. The protocol is one
 * command per connection in non-interactive mode: write the line, read until HAProxy closes.
 * Errors and the deadline become a {@link ProviderError} naming the address.
 */
export function runtimeCommand(address: string, command: string, timeoutMs = 2000): Promise<string> {
  if (/[\r\n;]/.test(command)) return Promise.reject(new ProviderError(`refusing a Runtime API command with a line break or ";": ${command}`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(runtimeAddress(address));
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new ProviderError(`HAProxy Runtime API ${address}: no answer to "${command}" within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('connect', () => socket.end(`${command}\n`));
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new ProviderError(`HAProxy Runtime API ${address}: ${e.code ?? e.message}`, { cause: e }));
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

/** `show info` as a key → value map (`Pid`, `Uptime_sec`, `Version`, ...). */
export async function showInfo(address: string, timeoutMs?: number): Promise<Record<string, string>> {
  const text = await runtimeCommand(address, 'show info', timeoutMs);
  return Object.fromEntries(text.split('\n').filter((l) => l.includes(':')).map((l) => [l.slice(0, l.indexOf(':')).trim(), l.slice(l.indexOf(':') + 1).trim()]));
}

/** `show stat` as rows keyed by the CSV header (`pxname`, `svname`, `status`, `scur`, ...). */
export async function showStat(address: string, timeoutMs?: number): Promise<Record<string, string>[]> {
  const text = await runtimeCommand(address, 'show stat', timeoutMs);
  const lines = text.split('\n').filter(Boolean);
  const header = (lines.shift() ?? '').replace(/^# /, '').split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [header[i] ?? String(i), v])));
}

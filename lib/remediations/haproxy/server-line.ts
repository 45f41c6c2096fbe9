/**
 * A `server` line with its cookie value set: the existing `cookie <v>` replaced, or
 * `cookie <value>` added right after the server's name and address.
 */
export function withServerCookie(line: string, value: string): string {
  return /\scookie\s+\S+/.test(line) ? line.replace(/(\scookie\s+)\S+/, `$1${value}`) : line.replace(/^(server\s+\S+\s+\S+)/, `$1 cookie ${value}`);
}

import { memo2 } from './memo.ts';
import { matchLocation, matchServer, upstreamName, type NginxConfig, type NginxLocation, type NginxMap, type NginxServer, type NginxUpstream } from '../../evidence/nginx.ts';
import type { Service } from '../../evidence/service.ts';
import { idPart } from '../types.ts';

/** An upstream that serves the service on one NGINX instance, with the locations that reach it. */
export interface ServedUpstream {
  cfg: NginxConfig;
  upstream: NginxUpstream;
  key: string;
  resource: string;
  pages: { path: string; server: NginxServer; location: NginxLocation }[];
  websockets: { path: string; server: NginxServer; location: NginxLocation }[];
}

/**
 * Routes every host × page path and WebSocket path through each instance's server and location
 * matching, and returns the upstreams reached. `proxy_pass` to a plain address has no pool and
 * no affinity to judge.
 */
export const servedUpstreams = memo2((cfg: NginxConfig, service: Service): ServedUpstream[] => {
  const byName = new Map(cfg.upstreams.map((u) => [u.name, u]));
  const out = new Map<string, ServedUpstream>();
  const visit = (host: string, path: string, ws: boolean) => {
    const server = matchServer(cfg, host);
    const location = server && matchLocation(server, path);
    const up = location?.proxyPass && byName.get(upstreamName(location.proxyPass.target));
    if (!server || !location || !up) return;
    const s = out.get(up.name) ?? {
      cfg, upstream: up, key: `${idPart(cfg.instance)}.${idPart(up.name)}`, resource: `${cfg.instance}/upstream ${up.name}`, pages: [], websockets: [],
    };
    const bucket = ws ? s.websockets : s.pages;
    if (!bucket.some((b) => b.path === path && b.server === server)) bucket.push({ path, server, location });
    out.set(up.name, s);
  };
  for (const host of service.hosts) {
    for (const p of service.paths) visit(host, p, false);
    for (const p of service.websocketPaths) visit(host, p, true);
  }
  return [...out.values()];
});

/** Every served upstream on every NGINX instance. */
export const eachUpstream = memo2((ev: { nginx: NginxConfig[] }, service: Service): ServedUpstream[] => ev.nginx.flatMap((cfg) => servedUpstreams(cfg, service)));

/** Servers that take new clients (not `backup`, not `down`). */
export function activeUpstreamServers(u: NginxUpstream) {
  return u.servers.filter((s) => !s.backup && !s.down);
}

/**
 * Replaces variables defined by `map` blocks with their sources (`map $cookie_sid $k` turns
 * `$k` into `$cookie_sid`), following chains of maps, so a hash key is judged by what it is
 * really derived from.
 */
export function expandHashKey(key: string | undefined, maps: NginxMap[]): string | undefined {
  let out = key;
  for (let depth = 0; out && depth < 8; depth++) {
    const current = out;
    const m = maps.find((x) => new RegExp(`\\${x.variable}(?![A-Za-z0-9_])`).test(current));
    if (!m) break;
    out = current.replace(new RegExp(`\\${m.variable}(?![A-Za-z0-9_])`), m.source);
  }
  return out;
}

/** Whether a hash key follows the client (cookie, address, header, argument) rather than the request. */
export function hashKeyKind(rawKey: string | undefined, maps: NginxMap[] = []): 'cookie' | 'address' | 'client' | 'request' {
  const key = expandHashKey(rawKey, maps);
  if (!key) return 'request';
  if (/\$cookie_/.test(key)) return 'cookie';
  if (/\$(binary_)?remote_addr|\$http_x_forwarded_for|\$realip_remote_addr|\$http_x_real_ip/.test(key)) return 'address';
  if (/\$(http_|arg_|jwt_|ssl_client|remote_user)/.test(key)) return 'client';
  return 'request';
}

/** Reads `name=value` parameters of a `sticky` directive. */
export function stickyParams(args: string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const a of args) {
    const eq = a.indexOf('=');
    if (eq > 0) m.set(a.slice(0, eq), a.slice(eq + 1));
    else m.set(a, '');
  }
  return m;
}

import { memo2 } from './memo.ts';
import { matchLocation, matchServer, upstreamName, type NginxAddHeader, type NginxConfig, type NginxLocation, type NginxMap, type NginxServer, type NginxUpstream } from '../../evidence/nginx.ts';
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

/** NGINX's own route cookie on an upstream: the open-source way to stick from the first request. */
export interface RouteCookie {
  /** The cookie's name (`route`). */
  name: string;
  /** The variable the upstream hashes on (`$sticky_route`). */
  variable: string;
  map: NginxMap;
  /** Page locations whose responses set the cookie from the variable, and those that do not. */
  setBy: { location: NginxLocation; header: NginxAddHeader }[];
  unset: NginxLocation[];
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A map that turns cookie `name` into a hash key: the cookie's value when the client sends it,
 * a fresh per-request value (`$request_id`) when it does not. Returns the cookie name. A map
 * that falls back to something else (`$remote_addr` before the app's session cookie exists) is
 * not one: it hashes on the app's cookie, with its first-request gap.
 */
export function routeMapCookie(map: NginxMap): string | undefined {
  const cookie = /^\$cookie_([A-Za-z0-9_]+)$/.exec(map.source)?.[1];
  if (!cookie) return undefined;
  const value = (k: string) => map.entries.find((e) => e.key === k)?.value;
  const empty = value('') ?? value('default');
  const fresh = empty !== undefined && /\$(request_id|\{request_id\})/.test(empty);
  const passes = value('default') === map.source || map.entries.some((e) => e.key.startsWith('~') && (e.value === map.source || /^\$\d+$/.test(e.value)));
  return fresh && passes ? cookie : undefined;
}

/**
 * Recognises the open-source route-cookie pattern on a served upstream (CAUSES.md):
 * `map $cookie_route $route { "" $request_id; default $cookie_route; }`, `hash $route consistent`
 * and `add_header Set-Cookie "route=$route; ..."` on the locations that serve the pages. The
 * first request is hashed on its request id and the cookie pins every later one to the same
 * server. Undefined when the upstream does not hash on such a map.
 */
export function routeCookieOf(s: ServedUpstream): RouteCookie | undefined {
  const u = s.upstream;
  if (u.method !== 'hash' || !u.hashKey) return undefined;
  const variable = u.hashKey.replace(/^\$\{(\w+)\}$/, '$$$1');
  const map = s.cfg.maps.find((m) => m.variable === variable);
  const name = map && routeMapCookie(map);
  if (!map || !name) return undefined;
  const sets = new RegExp(`^${escapeRe(name)}=(${escapeRe(variable)}|\\$\\{${escapeRe(variable.slice(1))}\\})(;|$)`);
  const setBy: RouteCookie['setBy'] = [];
  const unset: NginxLocation[] = [];
  for (const p of s.pages) {
    if (setBy.some((x) => x.location === p.location) || unset.includes(p.location)) continue;
    const header = p.location.addHeaders.find((h) => h.name.toLowerCase() === 'set-cookie' && sets.test(h.value.trim()));
    if (header) setBy.push({ location: p.location, header });
    else unset.push(p.location);
  }
  return { name, variable, map, setBy, unset };
}

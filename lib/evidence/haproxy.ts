import { EvidenceParseError } from './errors.ts';
import type { SourceRef } from './source.ts';

/** One keyword line of haproxy.cfg with its arguments (quotes and escapes resolved). */
export interface HaproxyDirective {
  keyword: string;
  args: string[];
  ref: SourceRef;
}

/** A section (`global`, `defaults`, `frontend`, `backend`, `listen`, `peers`, ...). */
export interface HaproxySection {
  kind: string;
  name: string;
  /** The named defaults section this proxy takes its defaults from (`from NAME`). */
  from: string | undefined;
  ref: SourceRef;
  directives: HaproxyDirective[];
}

/** A `server` line with its settings merged over every applicable `default-server`. */
export interface HaproxyServer {
  name: string;
  address: string;
  params: Map<string, string>;
  flags: Set<string>;
  ref: SourceRef;
}

/** A frontend, backend or listen section with its defaults resolved. */
export interface HaproxyProxy {
  kind: 'frontend' | 'backend' | 'listen';
  name: string;
  ref: SourceRef;
  own: HaproxyDirective[];
  defaults: HaproxySection | undefined;
  servers: HaproxyServer[];
}

/** A parsed HAProxy instance: raw sections plus resolved proxies. */
export interface HaproxyConfig {
  instance: string;
  file: string;
  sections: HaproxySection[];
  proxies: HaproxyProxy[];
}

const SECTION_KEYWORDS = new Set([
  'global', 'defaults', 'frontend', 'backend', 'listen', 'peers', 'resolvers', 'userlist', 'mailers',
  'program', 'http-errors', 'ring', 'cache', 'log-forward', 'crt-store', 'traces', 'fcgi-app', 'dynamic-update',
]);

/** Server keywords that take one argument; every other keyword is a flag. */
const SERVER_ARG_KEYWORDS = new Set([
  'addr', 'agent-addr', 'agent-inter', 'agent-port', 'agent-send', 'alpn', 'ca-file', 'check-alpn', 'check-proto',
  'check-sni', 'ciphers', 'ciphersuites', 'cookie', 'crl-file', 'crt', 'downinter', 'error-limit', 'fall',
  'fastinter', 'guid', 'hash-key', 'id', 'init-addr', 'init-state', 'inter', 'log-proto', 'max-reuse', 'maxconn',
  'maxqueue', 'minconn', 'namespace', 'npn', 'observe', 'on-error', 'on-marked-down', 'on-marked-up',
  'pool-conn-name', 'pool-low-conn', 'pool-max-conn', 'pool-purge-delay', 'port', 'proto', 'redir', 'resolve-net',
  'resolve-opts', 'resolve-prefer', 'resolvers', 'rise', 'shard', 'sigalgs', 'slowstart', 'sni', 'source',
  'ssl-max-ver', 'ssl-min-ver', 'tcp-ut', 'track', 'verify', 'verifyhost', 'weight', 'ws', 'set-proxy-v2-tlv-fmt',
  'curves', 'client-sigalgs', 'proxy-v2-options', 'usesrc', 'interface',
]);

/**
 * Splits one configuration line into words the way HAProxy does: blanks separate words,
 * double quotes keep blanks and allow backslash escapes, single quotes are literal, a `#`
 * outside quotes starts a comment.
 */
export function tokenizeHaproxyLine(text: string, line: number): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) cur += text[++i];
      else cur += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < text.length) {
      cur += text[++i];
      inWord = true;
    } else if (c === '#') {
      break;
    } else if (c === ' ' || c === '\t' || c === '\r') {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote) throw new EvidenceParseError(`unterminated ${quote === '"' ? 'double' : 'single'} quote`, line);
  if (inWord) words.push(cur);
  return words;
}

/**
 * Where one file starts when several files HAProxy loads (`-f file -f folder`) are collected
 * into one text, in the `nginx -T` layout: evidence then also names the original file and line.
 */
const FILE_MARKER = /^# configuration file (.+):\s*$/;

/**
 * Parses haproxy.cfg text into sections and resolved proxies. Lines before the first section
 * are an error, as HAProxy itself rejects them; `defaults` inheritance follows HAProxy: a proxy
 * takes the closest preceding anonymous `defaults`, or the named one given with `from`.
 */
export function parseHaproxyConfig(text: string, file: string, instance: string): HaproxyConfig {
  const sections: HaproxySection[] = [];
  let current: HaproxySection | undefined;
  let origin: { path: string; firstLine: number } | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const marker = FILE_MARKER.exec(raw);
    if (marker) origin = { path: marker[1]!, firstLine: i + 2 };
    const words = tokenizeHaproxyLine(raw, i + 1);
    if (words.length === 0) continue;
    const ref: SourceRef = { file, line: i + 1, text: raw.trim(), ...(origin ? { origin: `${origin.path}:${i + 2 - origin.firstLine}` } : {}) };
    const [keyword, ...args] = words as [string, ...string[]];
    if (SECTION_KEYWORDS.has(keyword)) {
      const fromAt = args.indexOf('from');
      const name = args[0] && args[0] !== 'from' ? args[0] : '';
      const from = fromAt >= 0 ? args[fromAt + 1] : undefined;
      if (fromAt >= 0 && from === undefined) throw new EvidenceParseError('"from" needs the name of a defaults section', i + 1);
      if (['frontend', 'backend', 'listen', 'peers'].includes(keyword) && !name) {
        throw new EvidenceParseError(`"${keyword}" needs a name`, i + 1);
      }
      current = { kind: keyword, name, from, ref, directives: [] };
      sections.push(current);
      continue;
    }
    if (!current) throw new EvidenceParseError(`"${keyword}" appears before any section`, i + 1);
    current.directives.push({ keyword, args, ref });
  }
  return { instance, file, sections, proxies: resolveProxies(sections) };
}

function resolveProxies(sections: HaproxySection[]): HaproxyProxy[] {
  const proxies: HaproxyProxy[] = [];
  const named = new Map<string, HaproxySection>();
  let lastDefaults: HaproxySection | undefined;
  for (const s of sections) {
    if (s.kind === 'defaults') {
      const parent = s.from ? named.get(s.from) : undefined;
      const merged: HaproxySection = parent ? { ...s, directives: [...parent.directives, ...s.directives] } : s;
      if (s.name) named.set(s.name, merged);
      lastDefaults = merged;
      continue;
    }
    if (s.kind !== 'frontend' && s.kind !== 'backend' && s.kind !== 'listen') continue;
    const defaults = s.from ? named.get(s.from) : lastDefaults;
    if (s.from && !defaults) throw new EvidenceParseError(`defaults section "${s.from}" is not defined before this proxy`, s.ref.line);
    const defaultServer = [...(defaults?.directives ?? []), ...s.directives].filter((d) => d.keyword === 'default-server');
    const servers = s.kind === 'frontend' ? [] : s.directives.filter((d) => d.keyword === 'server').map((d) => parseServer(d, defaultServer));
    proxies.push({ kind: s.kind, name: s.name, ref: s.ref, own: s.directives, defaults, servers });
  }
  return proxies;
}

function parseServer(d: HaproxyDirective, defaultServer: HaproxyDirective[]): HaproxyServer {
  const [name, address, ...rest] = d.args;
  if (!name || !address) throw new EvidenceParseError('"server" needs a name and an address', d.ref.line);
  const params = new Map<string, string>();
  const flags = new Set<string>();
  const apply = (words: string[], line: number | undefined) => {
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      if (SERVER_ARG_KEYWORDS.has(w)) {
        const v = words[++i];
        if (v === undefined) throw new EvidenceParseError(`server keyword "${w}" needs a value`, line);
        params.set(w, v);
      } else if (w.startsWith('no-') && flags.has(w.slice(3))) {
        flags.delete(w.slice(3));
      } else {
        flags.add(w);
      }
    }
  };
  for (const ds of defaultServer) apply(ds.args, ds.ref.line);
  apply(rest, d.ref.line);
  return { name, address, params, flags, ref: d.ref };
}

/** Directives of a proxy, its own first and then its defaults', optionally filtered by keyword. */
function effective(proxy: HaproxyProxy, keyword: string): HaproxyDirective[] {
  return [...proxy.own, ...(proxy.defaults?.directives ?? [])].filter((d) => d.keyword === keyword);
}

/**
 * The directive in force for a single-valued keyword (`cookie`, `balance`, `mode`): the proxy's
 * last one, else the defaults' last one.
 */
export function setting(proxy: HaproxyProxy, keyword: string): HaproxyDirective | undefined {
  const own = proxy.own.filter((d) => d.keyword === keyword);
  if (own.length > 0) return own[own.length - 1];
  const inherited = proxy.defaults?.directives.filter((d) => d.keyword === keyword) ?? [];
  return inherited[inherited.length - 1];
}

/**
 * Whether `option <name>` is on for a proxy, honouring `no option <name>` and the order
 * proxy-over-defaults. Returns the deciding directive too, for evidence.
 */
export function option(proxy: HaproxyProxy, name: string): { on: boolean; ref?: SourceRef } {
  const find = (ds: HaproxyDirective[]) => {
    for (let i = ds.length - 1; i >= 0; i--) {
      const d = ds[i]!;
      if (d.keyword === 'option' && d.args[0] === name) return { on: true, ref: d.ref };
      if (d.keyword === 'no' && d.args[0] === 'option' && d.args[1] === name) return { on: false, ref: d.ref };
    }
    return undefined;
  };
  return find(proxy.own) ?? find(proxy.defaults?.directives ?? []) ?? { on: false };
}

/** The proxy's mode (`http` or `tcp`), `tcp` being HAProxy's default. */
export function proxyMode(proxy: HaproxyProxy): string {
  return setting(proxy, 'mode')?.args[0] ?? 'tcp';
}

/** Every directive with this keyword in force for the proxy, own and inherited. */
export function directives(proxy: HaproxyProxy, keyword: string): HaproxyDirective[] {
  return effective(proxy, keyword);
}

/** The parsed `cookie` line of a backend. */
export interface HaproxyCookie {
  name: string;
  mode: 'insert' | 'rewrite' | 'prefix' | 'passive';
  indirect: boolean;
  nocache: boolean;
  secure: boolean;
  httponly: boolean;
  domains: string[];
  attrs: string[];
  maxidle: string | undefined;
  maxlife: string | undefined;
  dynamic: boolean;
  ref: SourceRef;
}

/**
 * Reads the persistence cookie HAProxy actually uses for a proxy: the `cookie` directive in
 * force, none in `mode tcp`, where HAProxy ignores it ("needs 'mode http'"). {@link cookieLine}
 * reads the line whatever the mode.
 */
export function cookieOf(proxy: HaproxyProxy): HaproxyCookie | undefined {
  return proxyMode(proxy) === 'http' ? cookieLine(proxy) : undefined;
}

/** Reads the `cookie` directive in force for a proxy, if any, even one HAProxy ignores in `mode tcp`. */
export function cookieLine(proxy: HaproxyProxy): HaproxyCookie | undefined {
  const d = setting(proxy, 'cookie');
  if (!d || !d.args[0]) return undefined;
  const c: HaproxyCookie = {
    name: d.args[0], mode: 'passive', indirect: false, nocache: false, secure: false, httponly: false,
    domains: [], attrs: [], maxidle: undefined, maxlife: undefined, dynamic: false, ref: d.ref,
  };
  for (let i = 1; i < d.args.length; i++) {
    const w = d.args[i]!;
    if (w === 'insert' || w === 'rewrite' || w === 'prefix') c.mode = w;
    else if (w === 'indirect') c.indirect = true;
    else if (w === 'nocache') c.nocache = true;
    else if (w === 'secure') c.secure = true;
    else if (w === 'httponly') c.httponly = true;
    else if (w === 'dynamic') c.dynamic = true;
    else if (w === 'domain') c.domains.push(d.args[++i] ?? '');
    else if (w === 'attr') c.attrs.push(d.args[++i] ?? '');
    else if (w === 'maxidle') c.maxidle = d.args[++i];
    else if (w === 'maxlife') c.maxlife = d.args[++i];
  }
  return c;
}

/** The parsed `stick-table` line of a proxy. */
export interface HaproxyStickTable {
  type: string;
  expire: string | undefined;
  peers: string | undefined;
  ref: SourceRef;
}

/** Reads the proxy's own `stick-table` (stick tables are never inherited from defaults). */
export function stickTableOf(proxy: HaproxyProxy): HaproxyStickTable | undefined {
  const d = proxy.own.find((x) => x.keyword === 'stick-table');
  if (!d) return undefined;
  const arg = (k: string) => {
    const i = d.args.indexOf(k);
    return i >= 0 ? d.args[i + 1] : undefined;
  };
  return { type: arg('type') ?? 'ip', expire: arg('expire'), peers: arg('peers'), ref: d.ref };
}

/** `stick on|match|store-request` rules of a proxy: their sample expression and line. */
export function stickRules(proxy: HaproxyProxy): { verb: string; expr: string; ref: SourceRef }[] {
  return proxy.own
    .filter((d) => d.keyword === 'stick' || d.keyword === 'stick-store-request')
    .map((d) => ({ verb: d.args[0] ?? '', expr: d.args[1] ?? '', ref: d.ref }));
}

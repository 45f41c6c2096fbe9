import { EvidenceParseError } from './errors.ts';
import type { SourceRef } from './source.ts';

/** One NGINX directive, with its block when it has one. */
export interface NginxDirective {
  name: string;
  args: string[];
  ref: SourceRef;
  block: NginxDirective[] | undefined;
}

/** An `upstream` block reduced to what affinity depends on. */
export interface NginxUpstream {
  name: string;
  ref: SourceRef;
  method: 'round-robin' | 'ip_hash' | 'hash' | 'sticky' | 'least_conn' | 'random' | 'least_time';
  methodRef: SourceRef | undefined;
  /** The arguments of the balancing directive (`$cookie_sid consistent` for a hash). */
  methodArgs: string[];
  hashKey: string | undefined;
  consistent: boolean;
  sticky: { kind: string; args: string[]; ref: SourceRef } | undefined;
  servers: { address: string; params: string[]; down: boolean; backup: boolean; ref: SourceRef }[];
}

/** A `location`, flattened out of nesting, with inherited proxy headers resolved. */
export interface NginxLocation {
  modifier: '' | '=' | '~' | '~*' | '^~' | '@';
  path: string;
  ref: SourceRef;
  proxyPass: { target: string; ref: SourceRef } | undefined;
  /** Effective `proxy_set_header`s (lower-cased names), following NGINX's all-or-nothing inheritance. */
  headers: Map<string, { value: string; args: string[]; ref: SourceRef }>;
  /** Effective `add_header`s (response headers NGINX adds), with the same all-or-nothing inheritance from server and http. */
  addHeaders: NginxAddHeader[];
  healthCheck: NginxDirective | undefined;
}

/** One `add_header name value [always]`. */
export interface NginxAddHeader {
  name: string;
  value: string;
  always: boolean;
  args: string[];
  ref: SourceRef;
}

/** A `server` block. */
export interface NginxServer {
  names: string[];
  ssl: boolean;
  listens: { args: string[]; ref: SourceRef }[];
  ref: SourceRef;
  locations: NginxLocation[];
}

/** A `map $source $variable { ... }` block: the variable is derived from the source. */
export interface NginxMap {
  source: string;
  variable: string;
  ref: SourceRef;
  /** `key value;` lines in order (`""` is the empty key, `default` the fallback, `~…` regexes). */
  entries: { key: string; value: string; ref: SourceRef }[];
}

/** A parsed NGINX instance. */
export interface NginxConfig {
  instance: string;
  file: string;
  upstreams: NginxUpstream[];
  maps: NginxMap[];
  servers: NginxServer[];
  /** Include directives whose files were not in the dump. */
  missingIncludes: SourceRef[];
}

interface Token {
  value: string;
  line: number;
  quoted: boolean;
}

function tokenize(text: string, lineOffset: number): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === '\n') {
      line++;
      i++;
    } else if (c === ' ' || c === '\t' || c === '\r') {
      i++;
    } else if (c === '#') {
      while (i < n && text[i] !== '\n') i++;
    } else if (c === '{' || c === '}' || c === ';') {
      tokens.push({ value: c, line: line + lineOffset, quoted: false });
      i++;
    } else if (c === '"' || c === "'") {
      const start = line;
      let v = '';
      i++;
      while (i < n && text[i] !== c) {
        if (text[i] === '\\' && i + 1 < n) {
          v += text[i + 1];
          i += 2;
          continue;
        }
        if (text[i] === '\n') line++;
        v += text[i++];
      }
      if (i >= n) throw new EvidenceParseError('unterminated quoted string', start + lineOffset);
      i++;
      tokens.push({ value: v, line: start + lineOffset, quoted: true });
    } else {
      let v = '';
      while (i < n) {
        const d = text[i]!;
        if (d === ' ' || d === '\t' || d === '\n' || d === '\r' || d === ';') break;
        if (d === '{' && !v.endsWith('$')) break;
        if (d === '}' && !v.includes('${')) break;
        if (d === '\\' && i + 1 < n) {
          v += d + text[i + 1];
          i += 2;
          continue;
        }
        v += d;
        i++;
      }
      tokens.push({ value: v, line: line + lineOffset, quoted: false });
    }
  }
  return tokens;
}

/**
 * Parses NGINX configuration text into a directive tree. `lines` gives each line's text for
 * evidence; `origin` names the file the text came from inside an `nginx -T` dump.
 */
export function parseNginxTree(text: string, file: string, lineOffset = 0, origin?: { path: string; firstLine: number }): NginxDirective[] {
  const tokens = tokenize(text, lineOffset);
  const lines = text.split('\n');
  let pos = 0;
  const refAt = (line: number): SourceRef => {
    const ref: SourceRef = { file, line, text: (lines[line - lineOffset - 1] ?? '').trim() };
    if (origin) ref.origin = `${origin.path}:${line - origin.firstLine + 1}`;
    return ref;
  };
  const block = (depth: number): NginxDirective[] => {
    const out: NginxDirective[] = [];
    let words: Token[] = [];
    while (pos < tokens.length) {
      const t = tokens[pos++]!;
      if (!t.quoted && t.value === ';') {
        if (words.length === 0) throw new EvidenceParseError('unexpected ";"', t.line);
        out.push({ name: words[0]!.value, args: words.slice(1).map((w) => w.value), ref: refAt(words[0]!.line), block: undefined });
        words = [];
      } else if (!t.quoted && t.value === '{') {
        if (words.length === 0) throw new EvidenceParseError('unexpected "{"', t.line);
        const head = words;
        words = [];
        out.push({ name: head[0]!.value, args: head.slice(1).map((w) => w.value), ref: refAt(head[0]!.line), block: block(depth + 1) });
      } else if (!t.quoted && t.value === '}') {
        if (words.length > 0) throw new EvidenceParseError(`directive "${words[0]!.value}" is not terminated by ";"`, words[0]!.line);
        if (depth === 0) throw new EvidenceParseError('unexpected "}"', t.line);
        return out;
      } else {
        words.push(t);
      }
    }
    if (words.length > 0) throw new EvidenceParseError(`directive "${words[0]!.value}" is not terminated by ";"`, words[0]!.line);
    if (depth > 0) throw new EvidenceParseError('unexpected end of file, expecting "}"', lines.length + lineOffset);
    return out;
  };
  return block(0);
}

interface DumpPart {
  path: string;
  tree: NginxDirective[];
}

/**
 * Splits `nginx -T` output at its `# configuration file <path>:` markers and parses each part.
 * Text without markers is one self-contained file.
 */
function splitDump(text: string, file: string): DumpPart[] {
  const marker = /^# configuration file (.+):\s*$/;
  const lines = text.split('\n');
  const starts: { path: string; line: number }[] = [];
  lines.forEach((l, i) => {
    const m = marker.exec(l);
    if (m) starts.push({ path: m[1]!, line: i + 1 });
  });
  if (starts.length === 0) return [{ path: '', tree: parseNginxTree(text, file) }];
  return starts.map((s, k) => {
    const end = k + 1 < starts.length ? starts[k + 1]!.line - 1 : lines.length;
    const body = lines.slice(s.line, end).join('\n');
    return { path: s.path, tree: parseNginxTree(body, file, s.line, { path: s.path, firstLine: s.line + 1 }) };
  });
}

/** Turns an `include` glob (`conf.d/*.conf`) into a regular expression over paths. */
export function globToRegExp(glob: string): RegExp {
  const esc = glob.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${esc}$`);
}

function dirname(p: string): string {
  const i = p.lastIndexOf('/');
  return i > 0 ? p.slice(0, i) : '';
}

/**
 * Parses an NGINX instance from `nginx -T` output or a single nginx.conf, expanding `include`s
 * against the files of the dump (relative to the main file's folder), then reduces it to
 * upstreams and servers.
 */
export function parseNginxConfig(text: string, file: string, instance: string): NginxConfig {
  const parts = splitDump(text, file);
  const main = parts[0]!;
  const base = dirname(main.path);
  const missingIncludes: SourceRef[] = [];
  const expand = (tree: NginxDirective[], depth: number): NginxDirective[] => {
    if (depth > 16) throw new EvidenceParseError('includes nested more than 16 deep');
    const out: NginxDirective[] = [];
    for (const d of tree) {
      if (d.name === 'include' && d.args[0] && parts.length > 1) {
        const pattern = d.args[0].startsWith('/') ? d.args[0] : `${base}/${d.args[0]}`;
        const re = globToRegExp(pattern);
        const hits = parts.filter((p) => re.test(p.path)).sort((a, b) => a.path.localeCompare(b.path));
        if (hits.length === 0 && !/[*?]/.test(pattern)) missingIncludes.push(d.ref);
        for (const h of hits) out.push(...expand(h.tree, depth + 1));
        continue;
      }
      if (d.name === 'include' && parts.length === 1) {
        missingIncludes.push(d.ref);
        continue;
      }
      out.push(d.block ? { ...d, block: expand(d.block, depth) } : d);
    }
    return out;
  };
  const root = expand(main.tree, 0);
  const http = root.filter((d) => d.name === 'http').flatMap((d) => d.block ?? []);
  const scope = http.length > 0 ? http : root;
  const upstreams = scope.filter((d) => d.name === 'upstream').map(toUpstream);
  const httpHeaders = headerDirectives(scope);
  const servers = scope.filter((d) => d.name === 'server' && d.block).map((d) => toServer(d, httpHeaders, addHeaderDirectives(scope)));
  const maps = scope.filter((d) => d.name === 'map' && d.args.length >= 2).map((d) => ({
    source: d.args[0]!, variable: d.args[1]!, ref: d.ref,
    entries: (d.block ?? []).filter((e) => !['hostnames', 'volatile', 'include'].includes(e.name)).map((e) => ({ key: e.name, value: e.args[0] ?? '', ref: e.ref })),
  }));
  return { instance, file, upstreams, maps, servers, missingIncludes };
}

function toUpstream(d: NginxDirective): NginxUpstream {
  const u: NginxUpstream = {
    name: d.args[0] ?? '', ref: d.ref, method: 'round-robin', methodRef: undefined, methodArgs: [], hashKey: undefined,
    consistent: false, sticky: undefined, servers: [],
  };
  for (const x of d.block ?? []) {
    switch (x.name) {
      case 'server':
        u.servers.push({
          address: x.args[0] ?? '', params: x.args.slice(1), down: x.args.includes('down'),
          backup: x.args.includes('backup'), ref: x.ref,
        });
        break;
      case 'ip_hash':
        u.method = 'ip_hash';
        u.methodRef = x.ref;
        u.methodArgs = x.args;
        break;
      case 'hash':
        u.method = 'hash';
        u.methodRef = x.ref;
        u.methodArgs = x.args;
        u.hashKey = x.args[0];
        u.consistent = x.args[1] === 'consistent';
        break;
      case 'sticky':
        u.method = 'sticky';
        u.methodRef = x.ref;
        u.methodArgs = x.args;
        u.sticky = { kind: x.args[0] ?? 'cookie', args: x.args.slice(1), ref: x.ref };
        break;
      case 'least_conn':
      case 'random':
      case 'least_time':
        if (u.method === 'round-robin') {
          u.method = x.name;
          u.methodRef = x.ref;
          u.methodArgs = x.args;
        }
        break;
    }
  }
  return u;
}

type Headers = NginxLocation['headers'];

function headerDirectives(block: NginxDirective[]): Headers | undefined {
  const sets = block.filter((d) => d.name === 'proxy_set_header');
  if (sets.length === 0) return undefined;
  return new Map(sets.map((d) => [(d.args[0] ?? '').toLowerCase(), { value: d.args[1] ?? '', args: d.args, ref: d.ref }]));
}

function addHeaderDirectives(block: NginxDirective[]): NginxAddHeader[] | undefined {
  const adds = block.filter((d) => d.name === 'add_header' && d.args.length >= 2);
  if (adds.length === 0) return undefined;
  return adds.map((d) => ({ name: d.args[0]!, value: d.args[1]!, always: d.args[2] === 'always', args: d.args, ref: d.ref }));
}

function toServer(d: NginxDirective, inherited: Headers | undefined, inheritedAdds: NginxAddHeader[] | undefined): NginxServer {
  const block = d.block ?? [];
  const listens = block.filter((x) => x.name === 'listen').map((x) => ({ args: x.args, ref: x.ref }));
  const ssl = listens.some((l) => l.args.includes('ssl')) || block.some((x) => x.name === 'ssl' && x.args[0] === 'on');
  const names = block.filter((x) => x.name === 'server_name').flatMap((x) => x.args);
  const headers = headerDirectives(block) ?? inherited;
  const adds = addHeaderDirectives(block) ?? inheritedAdds;
  const locations: NginxLocation[] = [];
  const walk = (items: NginxDirective[], outer: Headers | undefined, outerAdds: NginxAddHeader[] | undefined, outerHealth: NginxDirective | undefined) => {
    for (const x of items) {
      if (x.name !== 'location' || !x.block) continue;
      const [a, b] = x.args;
      const modifiers = ['=', '~', '~*', '^~', '@'];
      const modifier = (a && modifiers.includes(a) ? a : a?.startsWith('@') ? '@' : '') as NginxLocation['modifier'];
      const path = a && modifiers.includes(a) ? (b ?? '') : (a ?? '');
      const pp = x.block.find((y) => y.name === 'proxy_pass');
      const own = headerDirectives(x.block) ?? outer;
      const ownAdds = addHeaderDirectives(x.block) ?? outerAdds;
      const health = x.block.find((y) => y.name === 'health_check') ?? outerHealth;
      locations.push({
        modifier, path, ref: x.ref, proxyPass: pp ? { target: pp.args[0] ?? '', ref: pp.ref } : undefined,
        headers: own ?? new Map(), addHeaders: ownAdds ?? [], healthCheck: health,
      });
      walk(x.block, own, ownAdds, health);
    }
  };
  walk(block, headers, adds, undefined);
  return { names, ssl, listens, ref: d.ref, locations };
}

/** The upstream name a `proxy_pass` target refers to (`http://app/x` → `app`). */
export function upstreamName(target: string): string {
  return target.replace(/^[a-z]+:\/\//, '').split(/[/:]/)[0] ?? '';
}

/**
 * Chooses the location NGINX would use for a URI: an exact `=` match, else the longest prefix,
 * stopping there when it is `^~`, else the first matching regex in order, else the longest
 * prefix.
 */
export function matchLocation(server: NginxServer, uri: string): NginxLocation | undefined {
  const { exact, prefix, regex } = locationIndex(server);
  const hit = exact.get(uri);
  if (hit) return hit;
  let best: NginxLocation | undefined;
  for (let n = uri.length; n >= 0 && !best; n--) best = prefix.get(uri.slice(0, n));
  if (best?.modifier === '^~') return best;
  return regex.find((r) => r.re?.test(uri))?.location ?? best;
}

/**
 * A server's locations indexed once (a server is matched against every page and WebSocket path
 * of the service): exact and prefix locations by path, the first of each path kept as NGINX
 * keeps it, and the regex locations in order with their expressions compiled.
 */
const locationIndexes = new WeakMap<NginxServer, { exact: Map<string, NginxLocation>; prefix: Map<string, NginxLocation>; regex: { location: NginxLocation; re: RegExp | undefined }[] }>();
function locationIndex(server: NginxServer) {
  let index = locationIndexes.get(server);
  if (index) return index;
  index = { exact: new Map(), prefix: new Map(), regex: [] };
  for (const l of server.locations) {
    if (l.modifier === '=' && !index.exact.has(l.path)) index.exact.set(l.path, l);
    else if ((l.modifier === '' || l.modifier === '^~') && !index.prefix.has(l.path)) index.prefix.set(l.path, l);
    else if (l.modifier === '~' || l.modifier === '~*') {
      let re: RegExp | undefined;
      try {
        re = new RegExp(l.path, l.modifier === '~*' ? 'i' : '');
      } catch {
        re = undefined;
      }
      index.regex.push({ location: l, re });
    }
  }
  locationIndexes.set(server, index);
  return index;
}

/** Chooses the server block for a host name (exact, then wildcard, then default/first). */
export function matchServer(config: NginxConfig, host: string): NginxServer | undefined {
  const exact = config.servers.find((s) => s.names.includes(host));
  if (exact) return exact;
  const wild = config.servers.find((s) =>
    s.names.some((n) => (n.startsWith('*.') && host.endsWith(n.slice(1))) || (n.startsWith('.') && (host === n.slice(1) || host.endsWith(n)))),
  );
  if (wild) return wild;
  return config.servers.find((s) => s.listens.some((l) => l.args.includes('default_server'))) ?? config.servers[0];
}

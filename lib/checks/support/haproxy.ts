import { memo1, memo2 } from './memo.ts';
import { proxyMode, setting, stickRules } from '../../evidence/haproxy.ts';
import { idPart } from '../types.ts';
import type { HaproxyConfig, HaproxyDirective, HaproxyProxy, HaproxyServer } from '../../evidence/haproxy.ts';
import { tryDurationMs } from '../../evidence/duration.ts';
import type { Service } from '../../evidence/service.ts';

/** A request the service's clients make, for routing through frontends. */
export interface RouteRequest {
  host: string;
  path: string;
  upgrade: boolean;
  tls: boolean;
}

/** A backend that serves the service, with how it is reached. */
export interface ServedBackend {
  proxy: HaproxyProxy;
  frontends: HaproxyProxy[];
  /** Page paths and WebSocket paths routed here. */
  pages: string[];
  websockets: string[];
}

type Tri = boolean | undefined;

interface Acl {
  criterion: string;
  flags: string[];
  values: string[];
}

function parseAcl(words: string[]): Acl {
  const [criterion = '', ...rest] = words;
  const flags: string[] = [];
  const values: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i]!;
    if (w === '-m' || w === '-f' || w === '-M') flags.push(w, rest[++i] ?? '');
    else if (w === '-i' || w === '-n' || w === '--') flags.push(w);
    else values.push(w);
  }
  return { criterion, flags, values };
}

function matchValue(actual: string, values: string[], how: string, ci: boolean): Tri {
  const a = ci ? actual.toLowerCase() : actual;
  return values.some((raw) => {
    const v = ci ? raw.toLowerCase() : raw;
    switch (how) {
      case 'beg': return a.startsWith(v);
      case 'end': return a.endsWith(v);
      case 'sub': return a.includes(v);
      case 'dir': return a.split('/').includes(v.replace(/^\/|\/$/g, ''));
      case 'dom': return a === v || a.endsWith(`.${v}`) || a.startsWith(`${v}.`) || a.includes(`.${v}.`);
      case 'reg':
        try {
          return new RegExp(raw, ci ? 'i' : '').test(actual);
        } catch {
          return false;
        }
      case 'found': return true;
      default: return a === v;
    }
  });
}

function evalAcl(acl: Acl, req: RouteRequest): Tri {
  if (acl.flags.includes('-f')) return undefined;
  const ci = acl.flags.includes('-i');
  const mAt = acl.flags.indexOf('-m');
  const forced = mAt >= 0 ? acl.flags[mAt + 1] : undefined;
  const crit = acl.criterion.replace(/,lower$/, '');
  const pathCrit = /^(path|url|base)(_(beg|end|sub|reg|dir|dom|len))?$/.exec(crit);
  if (pathCrit) {
    const subject = pathCrit[1] === 'base' ? `${req.host}${req.path}` : req.path;
    return matchValue(subject, acl.values, forced ?? pathCrit[3] ?? 'str', ci);
  }
  const hdr = /^(?:req\.)?hdr(?:_(beg|end|sub|reg|dom|dir|found))?\(([^),]+)/i.exec(crit);
  if (hdr) {
    const name = hdr[2]!.toLowerCase();
    const how = forced ?? hdr[1] ?? 'str';
    if (name === 'host') return matchValue(req.host, acl.values, how, true);
    if (name === 'upgrade') return req.upgrade && (how === 'found' || matchValue('websocket', acl.values, how, true));
    if (name === 'connection') return req.upgrade && matchValue('upgrade', acl.values, how === 'str' ? 'sub' : how, true);
    return undefined;
  }
  if (crit === 'ssl_fc') return req.tls;
  if (crit === 'always_true' || crit === 'TRUE') return true;
  if (crit === 'always_false' || crit === 'FALSE') return false;
  return undefined;
}

function evalCondition(words: string[], acls: Map<string, Acl[]>, req: RouteRequest): Tri {
  const orGroups: string[][][] = [[]];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === '||' || w === 'or') {
      orGroups.push([]);
      continue;
    }
    if (w === '{' || w === '!{') {
      const end = words.indexOf('}', i);
      const inner = words.slice(i + 1, end < 0 ? words.length : end);
      orGroups[orGroups.length - 1]!.push([w === '!{' ? '!' : '', '{', ...inner]);
      i = end < 0 ? words.length : end;
      continue;
    }
    if (w === '!' && words[i + 1] === '{') continue;
    orGroups[orGroups.length - 1]!.push([w]);
  }
  const term = (t: string[]): Tri => {
    let neg = false;
    let r: Tri;
    if (t[1] === '{') {
      neg = t[0] === '!';
      r = evalAcl(parseAcl(t.slice(2)), req);
    } else {
      let name = t[0]!;
      if (name.startsWith('!')) {
        neg = true;
        name = name.slice(1);
      }
      const defs = acls.get(name);
      if (!defs) return undefined;
      const rs = defs.map((a) => evalAcl(a, req));
      r = rs.some((x) => x === true) ? true : rs.every((x) => x === false) ? false : undefined;
    }
    return r === undefined ? undefined : neg ? !r : r;
  };
  let any: Tri = false;
  for (const g of orGroups) {
    const rs = g.map(term);
    const all: Tri = rs.some((x) => x === false) ? false : rs.every((x) => x === true) ? true : undefined;
    if (all === true) return true;
    if (all === undefined) any = undefined;
  }
  return any;
}

/**
 * A frontend's routing table, read once per frontend (not once per request routed): its named
 * ACLs, its `use_backend` rules in order and its default backend.
 */
const routingOf = memo1((proxy: HaproxyProxy) => {
  const acls = new Map<string, Acl[]>();
  for (const d of proxy.own) {
    if (d.keyword !== 'acl' || !d.args[0]) continue;
    const list = acls.get(d.args[0]) ?? [];
    list.push(parseAcl(d.args.slice(1)));
    acls.set(d.args[0], list);
  }
  const def = proxy.own.filter((d) => d.keyword === 'default_backend').pop() ?? proxy.defaults?.directives.filter((d) => d.keyword === 'default_backend').pop();
  const uses = proxy.own.filter((d) => d.keyword === 'use_backend');
  // `use_backend X if name` where every definition of `name` is a plain `path` or `path_beg`
  // match depends on the path alone: indexed by its values, so routing many paths through many
  // such rules costs a lookup per path instead of a walk through every rule.
  const byPrefix = new Map<string, number[]>();
  const byPath = new Map<string, number[]>();
  const others: number[] = [];
  const indexed = new Set<number>();
  uses.forEach((u, i) => {
    const [, verb, ...cond] = u.args;
    const defs = verb === 'if' && cond.length === 1 && /^[^!{]/.test(cond[0]!) ? acls.get(cond[0]!) : undefined;
    if (!defs?.every((a) => (a.criterion === 'path' || a.criterion === 'path_beg') && a.flags.length === 0)) return void others.push(i);
    indexed.add(i);
    for (const a of defs) for (const v of a.values) {
      const index = a.criterion === 'path' ? byPath : byPrefix;
      index.set(v, [...(index.get(v) ?? []), i]);
    }
  });
  /** The rules to evaluate for a path, in order: the indexed ones that match it and every other one. */
  const candidates = (path: string): number[] => {
    const hits = new Set<number>(byPath.get(path));
    for (let n = 0; n <= path.length; n++) for (const i of byPrefix.get(path.slice(0, n)) ?? []) hits.add(i);
    return hits.size === 0 ? others : [...others, ...hits].sort((a, b) => a - b);
  };
  return { acls, uses, candidates, indexed, defaultName: def?.args[0] };
});

/**
 * The backends a frontend (or listen) sends a request to, in HAProxy's order: the first
 * `use_backend` whose condition holds, else `default_backend`, else the listen section itself.
 * A condition that cannot be evaluated offline (maps, files, unknown fetches) keeps both
 * branches possible, so no backend is missed.
 */
export function routeRequest(frontend: HaproxyProxy, req: RouteRequest, byName: Map<string, HaproxyProxy>): HaproxyProxy[] {
  const { acls: table, uses, candidates, indexed, defaultName } = routingOf(frontend);
  const out: HaproxyProxy[] = [];
  for (const i of candidates(req.path)) {
    const [name, verb, ...cond] = uses[i]!.args;
    const be = name ? byName.get(name) : undefined;
    if (!be) continue;
    let r: Tri = true;
    if (!indexed.has(i) && (verb === 'if' || verb === 'unless')) {
      r = evalCondition(cond, table, req);
      if (verb === 'unless' && r !== undefined) r = !r;
    }
    if (r === true) {
      out.push(be);
      return out;
    }
    if (r === undefined) out.push(be);
  }
  const defBe = defaultName ? byName.get(defaultName) : undefined;
  if (defBe) out.push(defBe);
  else if (frontend.kind === 'listen' && frontend.servers.length > 0) out.push(frontend);
  return out;
}

/**
 * The backends of one HAProxy instance that serve the service: every host × page path and
 * every WebSocket path is routed through every frontend. A config with no frontend (backends
 * only) serves the service from all its backends that have servers.
 */
export const servedBackends = memo2((cfg: HaproxyConfig, service: Service): ServedBackend[] => {
  const byName = new Map(cfg.proxies.filter((p) => p.kind !== 'frontend').map((p) => [p.name, p]));
  const entries = cfg.proxies.filter((p) => p.kind === 'frontend' || p.kind === 'listen');
  const result = new Map<string, ServedBackend>();
  const seen = new Set<string>();
  const add = (be: HaproxyProxy, fe: HaproxyProxy | undefined, path: string, ws: boolean) => {
    const s = result.get(be.name) ?? { proxy: be, frontends: [], pages: [], websockets: [] };
    if (fe && !s.frontends.includes(fe)) s.frontends.push(fe);
    const key = `${be.name}\n${ws ? 'ws' : 'page'}\n${path}`;
    if (!seen.has(key)) (ws ? s.websockets : s.pages).push(path);
    seen.add(key);
    result.set(be.name, s);
  };
  if (entries.length === 0) {
    for (const be of byName.values()) if (be.servers.length > 0) for (const p of service.paths) add(be, undefined, p, false);
    return [...result.values()];
  }
  for (const fe of entries) {
    for (const host of service.hosts) {
      for (const path of service.paths) for (const be of routeRequest(fe, { host, path, upgrade: false, tls: service.tls }, byName)) add(be, fe, path, false);
      for (const path of service.websocketPaths) for (const be of routeRequest(fe, { host, path, upgrade: true, tls: service.tls }, byName)) add(be, fe, path, true);
    }
  }
  return [...result.values()].filter((s) => s.proxy.servers.length > 0);
});

/** Servers that take new clients (not `backup`, not `disabled`). */
export function activeServers(proxy: HaproxyProxy) {
  return proxy.servers.filter((s) => !s.flags.has('backup') && !s.flags.has('disabled'));
}

/** Every backend serving the service on every HAProxy instance, with its finding key. */
export const eachServed = memo2((ev: { haproxy: HaproxyConfig[] }, service: Service): { cfg: HaproxyConfig; sb: ServedBackend; key: string; resource: string }[] =>
  ev.haproxy.flatMap((cfg) =>
    servedBackends(cfg, service).map((sb) => ({
      cfg, sb, key: `${idPart(cfg.instance)}.${idPart(sb.proxy.name)}`, resource: `${cfg.instance}/backend ${sb.proxy.name}`,
    })),
  ),
);

/** Sample fetches that read HTTP: in `mode tcp` HAProxy has no HTTP message to read them from. */
const HTTP_SAMPLE = /^(?:req\.|res\.)?(?:cook|scook|hdr|fhdr|url|urlp|url_param|path|base|query|method|capture|http_|body|ver\b|status)/;

/** Whether a stick or hash expression is the client address. */
const isSource = (expr: string) => /^src(?:$|,|\b)/.test(expr);

/**
 * How a backend keeps clients on one server: a persistence cookie, a stick-table rule, or a
 * hash-based balance. `none` when nothing does. In `mode tcp` HAProxy ignores what needs HTTP
 * (the `cookie` line, `balance uri|url_param|hdr`, sticking or hashing on a cookie or header):
 * only the client address (`balance source`, `stick on src`) and layer-4 samples (RDP cookie,
 * payload) count there; what was ignored is returned for the evidence.
 */
export function affinityOf(proxy: HaproxyProxy): { kind: 'cookie' | 'stick' | 'source' | 'hash' | 'none'; ref?: HaproxyDirective['ref']; ignored: HaproxyDirective[] } {
  const http = proxyMode(proxy) === 'http';
  const ignored: HaproxyDirective[] = [];
  const cookie = setting(proxy, 'cookie');
  if (cookie && http) return { kind: 'cookie', ref: cookie.ref, ignored };
  if (cookie) ignored.push(cookie);
  for (const stick of proxy.own.filter((d) => d.keyword === 'stick' && (d.args[0] === 'on' || d.args[0] === 'match'))) {
    const expr = stick.args[1] ?? '';
    if (isSource(expr)) return { kind: 'source', ref: stick.ref, ignored };
    if (!http && HTTP_SAMPLE.test(expr)) ignored.push(stick);
    else return { kind: 'stick', ref: stick.ref, ignored };
  }
  const balance = setting(proxy, 'balance');
  const algo = balance?.args[0] ?? 'roundrobin';
  if (algo === 'source') return { kind: 'source', ref: balance!.ref, ignored };
  if (algo === 'hash' && isSource(balance!.args[1] ?? '')) return { kind: 'source', ref: balance!.ref, ignored };
  const layer7 = /^(uri|url_param|hdr\()/.test(algo) || (algo === 'hash' && HTTP_SAMPLE.test(balance!.args[1] ?? ''));
  if (layer7 && !http) ignored.push(balance!);
  else if (layer7 || /^(rdp-cookie|hash)/.test(algo)) return { kind: 'hash', ref: balance!.ref, ignored };
  return { kind: 'none', ignored };
}

/**
 * The `stick on|match` rules HAProxy applies: all of them in `mode http`; in `mode tcp` those on
 * the client address or a layer-4 sample, not those that read a cookie or header.
 */
export function honouredStickRules(proxy: HaproxyProxy): ReturnType<typeof stickRules> {
  const http = proxyMode(proxy) === 'http';
  return stickRules(proxy).filter((r) => (r.verb === 'on' || r.verb === 'match') && (http || isSource(r.expr) || !HTTP_SAMPLE.test(r.expr)));
}

/**
 * The directive that sets a proxy's mode (its own `mode`, else its defaults'), or undefined
 * when none does and HAProxy's default, `tcp`, applies.
 */
export function modeLine(proxy: HaproxyProxy): HaproxyDirective | undefined {
  return setting(proxy, 'mode');
}

/**
 * Seconds of failed checks before HAProxy marks a server down: the first failure comes at most
 * `inter` after the server breaks, the `fall - 1` after it `fastinter` apart (defaults:
 * `inter` 2 s, `fall` 3, `fastinter` = `inter`).
 */
export function secondsToDown(s: HaproxyServer): { seconds: number; inter: number; fall: number; fastinter: number | undefined } {
  const inter = (tryDurationMs(s.params.get('inter') ?? '2000', 'ms') ?? 2000) / 1000;
  const fall = Number(s.params.get('fall') ?? '3') || 3;
  const fastinter = s.params.has('fastinter') ? (tryDurationMs(s.params.get('fastinter'), 'ms') ?? inter * 1000) / 1000 : undefined;
  return { seconds: inter + (fall - 1) * (fastinter ?? inter), inter, fall, fastinter };
}

import type { Evidence } from '../../evidence/bundle.ts';
import { cookieOf } from '../../evidence/haproxy.ts';
import type { ProbeCookie, ProbeExchange } from '../../evidence/probe.ts';
import type { Service } from '../../evidence/service.ts';
import { advice } from '../../remediations/advice.ts';
import type { Plan } from '../../remediations/types.ts';
import type { Cause, Finding } from '../types.ts';
import { targetGroups } from './aws.ts';
import { LB_COOKIE_NAMES } from './cookies.ts';
import { eachServed, honouredStickRules } from './haproxy.ts';
import { annotation } from './kubernetes.ts';
import { eachUpstream, routeCookieOf } from './nginx.ts';

/**
 * The affinity cookie names the collected configuration declares: the catalog's `probe.cookie`,
 * the app's `sessionCookie` when an NGINX upstream hashes on it, the cookie a HAProxy
 * stick-table keys on (`stick on req.cook(sid)`), HAProxy `cookie`, ingress-nginx
 * `session-cookie-name`, NGINX Plus `sticky cookie`, an open-source NGINX route cookie, ALB
 * `app_cookie`.
 */
export function configuredCookieNames(ev: Evidence, service: Service): string[] {
  const names = new Set<string>();
  if (service.probe?.cookie) names.add(service.probe.cookie);
  if (service.sessionCookie && eachUpstream(ev, service).some((s) => s.upstream.hashKey?.includes(`$cookie_${service.sessionCookie}`))) names.add(service.sessionCookie);
  for (const { sb } of eachServed(ev, service)) {
    const c = cookieOf(sb.proxy);
    if (c) names.add(c.name);
    for (const r of honouredStickRules(sb.proxy)) {
      const m = /^(?:req\.)?cook\(([^)]+)\)$/.exec(r.expr);
      if (m) names.add(m[1]!);
    }
  }
  for (const s of eachUpstream(ev, service)) {
    if (s.upstream.sticky?.kind === 'cookie' && s.upstream.sticky.args[0]) names.add(s.upstream.sticky.args[0]);
    const route = routeCookieOf(s);
    if (route) names.add(route.name);
  }
  for (const o of ev.kubernetes) if (o.kind === 'Ingress' && annotation(o, 'affinity') === 'cookie') names.add(annotation(o, 'session-cookie-name') ?? 'INGRESSCOOKIE');
  for (const v of targetGroups(ev)) if (v.attr('stickiness.type') === 'app_cookie') names.add(v.attr('stickiness.app_cookie.cookie_name'));
  return [...names].filter(Boolean);
}

/**
 * The cookie names that carry affinity for this service: the {@link configuredCookieNames} and
 * the balancers' well-known defaults.
 */
export function affinityCookieNames(ev: Evidence, service: Service): string[] {
  return [...new Set([...configuredCookieNames(ev, service), ...LB_COOKIE_NAMES])];
}

/**
 * What the probe missed, for a finding's evidence, naming only cookies that concern this service:
 * the configured names (and ALB's own when the service has an AWS layer); when nothing in the
 * collected configuration sets one, says so; only a probe with no configuration beside it lists
 * the balancers' usual names.
 */
export function missingCookieText(ev: Evidence, service: Service): string {
  const names = [...configuredCookieNames(ev, service), ...(ev.present.has('aws') ? ['AWSALB'] : [])];
  if (names.length) return `no Set-Cookie of ${[...new Set(names)].join(', ')}`;
  const configs = (['aws', 'haproxy', 'nginx', 'kubernetes'] as const).filter((l) => ev.present.has(l));
  if (configs.length) return `no affinity Set-Cookie, and the collected ${configs.join(', ')} configuration sets none`;
  return 'no Set-Cookie among the balancers\' usual affinity cookies (AWSALB, INGRESSCOOKIE, SERVERID, route, ...)';
}

/** Whether a cookie name is one of the affinity names (names ending in `-` are prefixes). */
export function isAffinityCookie(name: string, names: string[]): boolean {
  return names.some((n) => (n.endsWith('-') ? name.startsWith(n) : name === n));
}

/**
 * Whether a Set-Cookie deletes rather than sets (Max-Age ≤ 0 or Expires not after the response
 * Date): HAProxy answers that way when a server has no cookie value, which means no affinity.
 */
export function isDeletion(c: ProbeCookie, x: ProbeExchange): boolean {
  if (c.maxAge !== undefined) return c.maxAge <= 0;
  if (!c.expires) return false;
  const exp = Date.parse(c.expires);
  const now = Date.parse(x.response?.date ?? x.at ?? '');
  return Number.isFinite(exp) && Number.isFinite(now) && exp <= now;
}

/** The affinity cookies the probe saw set, first occurrence of each name. */
export function seenAffinityCookies(exchanges: ProbeExchange[], names: string[]): { cookie: ProbeCookie; exchange: ProbeExchange; index: number }[] {
  const out = new Map<string, { cookie: ProbeCookie; exchange: ProbeExchange; index: number }>();
  exchanges.forEach((x, index) => {
    for (const c of x.response?.setCookies ?? []) {
      if (isAffinityCookie(c.name, names) && !out.has(c.name) && !isDeletion(c, x)) out.set(c.name, { cookie: c, exchange: x, index });
    }
  });
  return [...out.values()];
}

/** One session of the probe: its HTTP requests (the first one without cookies) and its WebSocket upgrades. */
export interface ProbeSession {
  /** The session's number; undefined for a bundle written before the probe had sessions. */
  id: number | undefined;
  http: ProbeExchange[];
  websocket: ProbeExchange[];
}

/**
 * The probe's sessions, in order, each judged on its own: a session must stay on the backend
 * its first request reached. A bundle without `session` fields holds one session: its `jar`
 * requests and its upgrades (its `no-jar` requests belong to none).
 */
export function probeSessions(exchanges: ProbeExchange[]): ProbeSession[] {
  const out = new Map<number | undefined, ProbeSession>();
  for (const x of exchanges) {
    if (x.session === undefined && x.phase === 'no-jar') continue;
    let s = out.get(x.session);
    if (!s) out.set(x.session, (s = { id: x.session, http: [], websocket: [] }));
    (x.phase === 'websocket' ? s.websocket : s.http).push(x);
  }
  return [...out.values()];
}

/** `app1 → app2 ×2`: where a session's first request landed, then where the rest did. */
export function showMove(s: ProbeSession): string {
  const [first, ...rest] = s.http;
  return `${first?.response?.backend ?? 'no answer'} → ${showCounts(backendCounts(rest))}`;
}

/** Counts responses per backend: `{ app1: 7, app2: 13 }`. */
export function backendCounts(exchanges: ProbeExchange[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const x of exchanges) {
    const b = x.response?.backend;
    if (b) m.set(b, (m.get(b) ?? 0) + 1);
  }
  return m;
}

/** `app1 ×7, app2 ×13`. */
export function showCounts(m: Map<string, number>): string {
  return [...m].map(([b, n]) => `${b} ×${n}`).join(', ');
}

/**
 * Advice for a live cookie problem: the bundle shows the symptom, so the plan names the cookie
 * and the attribute to change at whichever balancer sets it.
 */
export function cookieAdvice(name: string, before: string, after: string): Plan {
  return advice('probe.fix-cookie', name, `Fix cookie ${name} where it is set`, `${name}: ${before}`, `${name}: ${after}`, `change the attribute at the balancer that sets ${name} (its name tells: AWSALB* the ALB target group, INGRESSCOOKIE or a session-cookie-name the Ingress, SERVERID-style names HAProxy), then check again`);
}

/**
 * The configuration finding that explains a live symptom: one of the same cause on another
 * layer, preferring one that names the cookie the symptom is about (an ALB cookie's problem is
 * not explained by HAProxy's). The symptom is then folded into it (`attributedTo`).
 */
export function explaining(findings: readonly Finding[], cause: Cause, cookie?: string): Finding | undefined {
  const candidates = findings.filter((f) => f.cause === cause && f.layer !== 'probe');
  const named = cookie ? candidates.find((f) => new RegExp(`\\b${cookie.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`).test(`${f.summary} ${f.evidence.join(' ')}`)) : undefined;
  return named ?? candidates.find((f) => f.remediation) ?? candidates[0];
}

/**
 * The fix for a live symptom: folded into the configuration finding with the same cause when
 * one explains it (its plan is the fix), else cookie advice.
 */
export function liveFix(findings: readonly Finding[], cause: Cause, fallback: () => Plan, cookie?: string): { attributedTo: string; remediationRef?: string } | { plan: Plan } {
  const explained = explaining(findings, cause, cookie);
  return explained ? { attributedTo: explained.id, ...(explained.remediation ? { remediationRef: explained.remediation } : {}) } : { plan: fallback() };
}

import { domainMatches, isLoopback, pathMatches } from '../../checks/support/cookies.ts';

/** One Set-Cookie header's cookie, as RFC 6265 5.2 reads it (the value stays inside the probe). */
export interface SetCookie {
  name: string;
  value: string;
  /** The Domain attribute, leading dot dropped, lower case. */
  domain?: string;
  /** Whether the Domain attribute was written with a leading dot (shown as written in reports). */
  domainDot: boolean;
  path?: string;
  expires?: Date;
  maxAge?: number;
  secure: boolean;
  httpOnly: boolean;
  sameSite?: 'Strict' | 'Lax' | 'None';
}

const SAME_SITE = { strict: 'Strict', lax: 'Lax', none: 'None' } as const;

/**
 * Parses a Set-Cookie header the way browsers do (RFC 6265 5.2): the first `name=value`, then
 * attributes, unknown or malformed ones ignored. A header without `=` in its first part sets
 * nothing and gives undefined.
 */
export function parseSetCookie(header: string): SetCookie | undefined {
  const [pair = '', ...attrs] = header.split(';');
  const eq = pair.indexOf('=');
  if (eq < 0) return undefined;
  const c: SetCookie = { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), domainDot: false, secure: false, httpOnly: false };
  if (!c.name) return undefined;
  for (const attr of attrs) {
    const at = attr.indexOf('=');
    const key = (at < 0 ? attr : attr.slice(0, at)).trim().toLowerCase();
    const value = at < 0 ? '' : attr.slice(at + 1).trim();
    if (key === 'expires') {
      const t = Date.parse(value);
      if (Number.isFinite(t)) c.expires = new Date(t);
    } else if (key === 'max-age') {
      if (/^-?\d+$/.test(value)) c.maxAge = Number(value);
    } else if (key === 'domain') {
      const d = value.replace(/^\./, '').toLowerCase();
      if (d) Object.assign(c, { domain: d, domainDot: value.startsWith('.') });
    } else if (key === 'path') {
      if (value.startsWith('/')) c.path = value;
    } else if (key === 'secure') c.secure = true;
    else if (key === 'httponly') c.httpOnly = true;
    else if (key === 'samesite') c.sameSite = SAME_SITE[value.toLowerCase() as keyof typeof SAME_SITE];
  }
  return c;
}

/** RFC 6265 5.1.4 default-path: the request path up to its last `/`. */
function defaultPath(path: string): string {
  const last = path.lastIndexOf('/');
  return last <= 0 ? '/' : path.slice(0, last);
}

/** Where browsers send `Secure` cookies: HTTPS, and loopback addresses, which they treat as secure. */
const secureOrigin = (url: URL) => url.protocol === 'https:' || url.protocol === 'wss:' || isLoopback(url.hostname);

interface Stored {
  name: string;
  value: string;
  domain: string;
  hostOnly: boolean;
  path: string;
  secure: boolean;
  expiresAt: number;
}

/**
 * A browser's cookie store for one probe session (RFC 6265 5.3 and 5.4): a cookie whose Domain
 * does not domain-match the host is refused, a later cookie replaces the one with the same name,
 * domain and path (so cookies that rotate on every response are followed), Max-Age wins over
 * Expires and an expired cookie is removed; `Secure` cookies go only over HTTPS (or to loopback,
 * which browsers count as secure). What it does not model: public-suffix rules (the probe only
 * ever requests one catalog URL) and cookie limits.
 */
export class CookieJar {
  readonly #cookies = new Map<string, Stored>();

  /** Takes one Set-Cookie header received from `url`; refused cookies are dropped silently, as browsers do. */
  setCookie(header: string, url: URL, now = Date.now()): void {
    const c = parseSetCookie(header);
    if (!c) return;
    const host = url.hostname.toLowerCase();
    if (c.domain && !domainMatches(c.domain, host)) return;
    const stored: Stored = {
      name: c.name, value: c.value, domain: c.domain ?? host, hostOnly: !c.domain, path: c.path ?? defaultPath(url.pathname), secure: c.secure,
      expiresAt: c.maxAge !== undefined ? now + c.maxAge * 1000 : c.expires ? c.expires.getTime() : Infinity,
    };
    const key = `${stored.domain};${stored.path};${stored.name}`;
    if (stored.expiresAt > now && !(c.maxAge !== undefined && c.maxAge <= 0)) this.#cookies.set(key, stored);
    else this.#cookies.delete(key);
  }

  /** The Cookie header a browser sends to `url`: matching cookies, longest path first. */
  getCookieString(url: URL, now = Date.now()): string {
    const host = url.hostname.toLowerCase();
    return [...this.#cookies.values()]
      .filter((c) => c.expiresAt > now && (c.hostOnly ? host === c.domain : domainMatches(c.domain, host)) && pathMatches(c.path, url.pathname) && (!c.secure || secureOrigin(url)))
      .sort((a, b) => b.path.length - a.path.length)
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }
}

/**
 * RFC 6265 5.1.3 domain-match: the host equals the cookie domain (leading dot ignored), or ends
 * with `.` + domain and is not an IP address.
 */
export function domainMatches(cookieDomain: string, host: string): boolean {
  const d = cookieDomain.replace(/^\./, '').toLowerCase();
  const h = host.toLowerCase().replace(/^\*\./, 'x.');
  if (h === d) return true;
  if (/^[\d.]+$/.test(h) || h.includes(':')) return false;
  return h.endsWith(`.${d}`);
}

/** RFC 6265 5.1.4 path-match of a request path against a cookie path. */
export function pathMatches(cookiePath: string, requestPath: string): boolean {
  if (cookiePath === requestPath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

/** The longest common path prefix that path-matches every given path (`/` at worst). */
export function commonPath(paths: string[]): string {
  if (paths.length === 0) return '/';
  const parts = paths.map((p) => p.split('/').filter(Boolean));
  const out: string[] = [];
  for (let i = 0; ; i++) {
    const seg = parts[0]![i];
    if (seg === undefined || !parts.every((p) => p[i] === seg)) break;
    out.push(seg);
  }
  return `/${out.join('/')}`;
}

/** The registrable-looking parent of the service's hosts, for a Domain that covers them all. */
export function commonDomain(hosts: string[]): string {
  const labels = hosts.map((h) => h.replace(/^\*\./, '').toLowerCase().split('.').reverse());
  const out: string[] = [];
  for (let i = 0; ; i++) {
    const l = labels[0]![i];
    if (l === undefined || !labels.every((x) => x[i] === l)) break;
    out.push(l);
  }
  return out.length >= 2 ? out.reverse().join('.') : (hosts[0] ?? '');
}

/** Whether a host is loopback, where browsers accept `Secure` cookies over plain HTTP. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host.startsWith('127.') || host === '[::1]' || host === '::1';
}

/** Known load-balancer affinity cookie names (exact or prefix). */
export const LB_COOKIE_NAMES = ['AWSALB', 'AWSALBCORS', 'AWSALBTG', 'AWSALBTGCORS', 'AWSALBAPP-', 'INGRESSCOOKIE', 'SERVERID', 'route', 'ROUTEID', 'srv_id', 'sticky'];

/**
 * The attributes an affinity cookie needs for a service to be accepted and sent by browsers:
 * `Secure` over HTTPS; for a cross-site app `SameSite=None`, which needs `Secure`, which browsers
 * accept over plain HTTP only on loopback. `crossSitePossible` is false when no attribute can
 * make a cross-site cookie work (plain HTTP on a public host).
 */
export function cookieNeeds(service: { tls: boolean; crossSite: boolean; hosts: string[] }): { secure: boolean; sameSiteNone: boolean; crossSitePossible: boolean } {
  const crossSitePossible = service.tls || service.hosts.every(isLoopback);
  const sameSiteNone = service.crossSite && crossSitePossible;
  return { secure: service.tls || sameSiteNone, sameSiteNone, crossSitePossible };
}

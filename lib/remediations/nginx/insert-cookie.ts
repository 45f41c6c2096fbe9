import type { NginxUpstream } from '../../evidence/nginx.ts';
import { advice } from '../advice.ts';
import type { Plan } from '../types.ts';

/**
 * Advice for a cookie hash: open-source NGINX cannot insert an affinity cookie, so the first
 * request of a session is never sticky. The ways out are a balancer that inserts a cookie
 * (NGINX Plus `sticky cookie`, HAProxy `cookie ... insert`, an ALB `lb_cookie`) or a session
 * store every server shares.
 */
export function insertCookie(instance: string, key: string, up: NginxUpstream): Plan {
  return advice(
    'nginx.insert-cookie',
    key,
    `Stick ${instance}/${up.name} from the first request`,
    `${up.methodRef?.text ?? `upstream ${up.name}`}`,
    'sticky cookie srv_id expires=2h path=/ httponly;   # NGINX Plus, or a cookie-inserting balancer in front',
    'open-source NGINX cannot insert an affinity cookie: use NGINX Plus `sticky cookie`, put HAProxy (`cookie SERVERID insert`) or an ALB (`lb_cookie`) in front, or move sessions to a store every server shares',
  );
}

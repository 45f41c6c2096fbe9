import type { HaproxyProxy } from '../../evidence/haproxy.ts';
import { setting } from '../../evidence/haproxy.ts';
import type { Service } from '../../evidence/service.ts';
import { configEditPlan, insertAfter, replaceLine, timeValue, type LineEdit } from '../config-edit.ts';
import type { Plan } from '../types.ts';
import { withServerCookie } from './server-line.ts';

/**
 * Cookie persistence for a backend: an inserted, indirect, non-cacheable cookie with an idle
 * and total lifetime above the session timeout, and a distinct cookie value on every server.
 * Replaces `balance source` / `stick on src` when those were the affinity.
 */
export function enableCookie(instance: string, key: string, backend: HaproxyProxy, service: Service, cookieName = 'SERVERID'): Plan {
  const edits: LineEdit[] = [];
  const life = timeValue(service.sessionTimeoutSeconds * 2);
  const attrs = [service.tls ? 'secure' : '', 'httponly', service.crossSite ? 'attr "SameSite=None"' : ''].filter(Boolean).join(' ');
  const line = `    cookie ${cookieName} insert indirect nocache ${attrs} maxidle ${life} maxlife ${life}`.replace(/\s+maxidle/, ' maxidle');
  const current = setting(backend, 'cookie');
  if (current && backend.own.includes(current)) edits.push(replaceLine(current.ref, line.trim()));
  else {
    const balance = backend.own.find((d) => d.keyword === 'balance');
    if (balance && balance.args[0] === 'source') edits.push(replaceLine(balance.ref, 'balance roundrobin'));
    edits.push(insertAfter(balance?.ref ?? backend.ref, line.trim()));
  }
  for (const d of backend.own.filter((x) => x.keyword === 'stick' && /\bsrc\b/.test(x.args.join(' ')))) edits.push({ ...replaceLine(d.ref, ''), after: '' });
  const used = new Set<string>();
  for (const s of backend.servers) {
    let value = s.params.get('cookie');
    if (value && !used.has(value)) {
      used.add(value);
      continue;
    }
    value = s.name;
    for (let i = 2; used.has(value); i++) value = `${s.name}-${i}`;
    used.add(value);
    edits.push(replaceLine(s.ref, withServerCookie(s.ref.text ?? '', value)));
  }
  return configEditPlan('haproxy.enable-cookie', key, {
    title: `Stick ${instance}/${backend.name} with cookie ${cookieName} (lifetime ${life})`,
    risk: 'medium',
    instance,
    edits,
  });
}

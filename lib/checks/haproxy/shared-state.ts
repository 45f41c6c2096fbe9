import { cookieOf, stickTableOf, type HaproxyConfig } from '../../evidence/haproxy.ts';
import { cite } from '../../evidence/source.ts';
import { alignCookieValues } from '../../remediations/haproxy/align-cookie-values.ts';
import { shareStickTable } from '../../remediations/haproxy/share-stick-table.ts';
import { replaceLine, type LineEdit } from '../../remediations/config-edit.ts';
import { withServerCookie } from '../../remediations/haproxy/server-line.ts';
import { eachServed, honouredStickRules } from '../support/haproxy.ts';
import { idPart, type Check, type CheckResult } from '../types.ts';

/** Whether a stick-table's `peers` names a peers section of the instance with at least two peers. */
function sharedThroughPeers(cfg: HaproxyConfig, name: string | undefined): boolean {
  if (!name) return false;
  const section = cfg.sections.find((s) => s.kind === 'peers' && s.name === name);
  return (section?.directives.filter((d) => d.keyword === 'peer' || d.keyword === 'server').length ?? 0) >= 2;
}

/**
 * Several HAProxy instances serving the same backend with affinity state of their own: a
 * stick-table not shared through a `peers` section (missing, or naming fewer than two peers), or cookie values that differ between instances for
 * the same server. A client that reaches another instance is routed elsewhere.
 */
export const haproxySharedState: Check = {
  id: 'haproxy.shared-state',
  layer: 'haproxy',
  cause: 'no-shared-session-state',
  title: 'Instances keep affinity state each on its own',
  run: ({ ev, service }) => {
    const served = eachServed(ev, service);
    const byBackend = new Map<string, typeof served>();
    for (const s of served) byBackend.set(s.sb.proxy.name, [...(byBackend.get(s.sb.proxy.name) ?? []), s]);
    const out: CheckResult[] = [];
    for (const [name, group] of byBackend) {
      if (group.length < 2) continue;
      const instances = group.map((g) => g.cfg.instance);
      const key = `${idPart(name)}`;
      const tables = group
        .map((g) => ({ cfg: g.cfg, instance: g.cfg.instance, table: stickTableOf(g.sb.proxy), rules: honouredStickRules(g.sb.proxy) }))
        .filter((t) => t.table && t.rules.length > 0);
      const unshared = tables.filter((t) => !sharedThroughPeers(t.cfg, t.table!.peers));
      if (unshared.length >= 2) {
        out.push({
          key: `${key}.stick-table`, resource: `backend ${name} on ${instances.join(', ')}`, severity: 'warning',
          summary: `${unshared.length} HAProxy instances keep their own stick-table for ${name} with no peers section: a client that reaches another instance is rebalanced`,
          evidence: unshared.map((t) => cite(t.table!.ref)),
          plan: shareStickTable(`${key}.stick-table`, name, unshared.map((t) => ({ instance: t.instance, table: t.table! }))),
        });
      }
      const first = group[0]!;
      if (!cookieOf(first.sb.proxy)) continue;
      const edits: LineEdit[] = [];
      const evidence: string[] = [];
      for (const other of group.slice(1)) {
        if (!cookieOf(other.sb.proxy)) continue;
        for (const s of other.sb.proxy.servers) {
          const twin = first.sb.proxy.servers.find((f) => f.address === s.address) ?? first.sb.proxy.servers.find((f) => f.name === s.name);
          const want = twin?.params.get('cookie');
          const have = s.params.get('cookie');
          if (!twin || !want || have === want) continue;
          evidence.push(cite(twin.ref), cite(s.ref));
          edits.push(replaceLine(s.ref, withServerCookie(s.ref.text ?? '', want)));
        }
      }
      if (edits.length > 0) {
        out.push({
          key: `${key}.cookie-values`, resource: `backend ${name} on ${instances.join(', ')}`, severity: 'critical',
          summary: `the same servers of ${name} have different cookie values on ${instances.join(' and ')}: a client that reaches another instance is rebalanced`,
          evidence,
          plan: alignCookieValues(`${key}.cookie-values`, name, edits, instances),
        });
      }
    }
    return out;
  },
};

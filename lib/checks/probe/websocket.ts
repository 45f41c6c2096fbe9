import { advice } from '../../remediations/advice.ts';
import { cite } from '../../evidence/source.ts';
import { backendCounts, explaining, probeSessions } from '../support/probe.ts';
import type { Check, CheckResult } from '../types.ts';

/**
 * A WebSocket upgrade that carried the affinity cookie reached another backend than the page
 * requests of its session (each probe session judged on its own): the socket opens where the
 * session is not.
 */
export const probeWebsocket: Check = {
  id: 'probe.websocket',
  layer: 'probe',
  cause: 'websocket-not-sticky',
  title: 'WebSocket upgrade lands on another backend',
  run: ({ ev, findings }): CheckResult[] => {
    const f = ev.probe;
    if (!f) return [];
    const judged = probeSessions(f.data.exchanges).flatMap((s) => {
      const pages = backendCounts(s.http);
      const home = [...pages.keys()][0]!;
      return pages.size === 1 ? s.websocket.filter((x) => x.response?.backend).map((x) => ({ x, home, id: s.id })) : [];
    });
    const away = judged.filter((j) => j.x.response!.backend !== j.home);
    if (away.length === 0) return [];
    const ws = away.map((j) => j.x);
    const home = away[0]!.home;
    const explained = explaining(findings, 'websocket-not-sticky');
    return [{
      key: 'websocket', resource: ws[0]!.request.url, severity: 'critical',
      summary: away[0]!.id === undefined
        ? `WebSocket upgrade to ${ws[0]!.request.url} with the affinity cookie reached ${ws[0]!.response!.backend}; the page requests stick to ${home}`
        : `${away.length} of ${judged.length} WebSocket upgrades to ${ws[0]!.request.url} with the affinity cookie reached another backend than their session's pages (session ${away[0]!.id}: upgrade on ${ws[0]!.response!.backend}, pages on ${home})`,
      evidence: [cite({ file: f.file }, `websocket backend ${ws[0]!.response!.backend}, jar backend ${home}`)],
      ...(explained
        ? { attributedTo: explained.id, ...(explained.remediation ? { remediationRef: explained.remediation } : {}) }
        : { plan: advice('probe.route-websocket', 'websocket', 'Route WebSocket upgrades through the sticky path', `upgrade on ${ws[0]!.response!.backend}, pages on ${home}`, 'upgrade on the page backend', 'send the WebSocket path through the same upstream/backend/Ingress as the pages, with the same affinity cookie') }),
    }];
  },
};

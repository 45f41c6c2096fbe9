import { advice } from '../../remediations/advice.ts';
import { cite } from '../../evidence/source.ts';
import { backendCounts, explaining } from '../support/probe.ts';
import type { Check, CheckResult } from '../types.ts';

/**
 * A WebSocket upgrade that carried the affinity cookie reached another backend than the page
 * requests of the same jar: the socket opens where the session is not.
 */
export const probeWebsocket: Check = {
  id: 'probe.websocket',
  layer: 'probe',
  cause: 'websocket-not-sticky',
  title: 'WebSocket upgrade lands on another backend',
  run: ({ ev, findings }): CheckResult[] => {
    const f = ev.probe;
    if (!f) return [];
    const jar = backendCounts(f.data.exchanges.filter((x) => x.phase === 'jar'));
    if (jar.size !== 1) return [];
    const home = [...jar.keys()][0]!;
    const ws = f.data.exchanges.filter((x) => x.phase === 'websocket' && x.response?.backend && x.response.backend !== home);
    if (ws.length === 0) return [];
    const explained = explaining(findings, 'websocket-not-sticky');
    return [{
      key: 'websocket', resource: ws[0]!.request.url, severity: 'critical',
      summary: `WebSocket upgrade to ${ws[0]!.request.url} with the affinity cookie reached ${ws[0]!.response!.backend}; the page requests stick to ${home}`,
      evidence: [cite({ file: f.file }, `websocket backend ${ws[0]!.response!.backend}, jar backend ${home}`)],
      ...(explained
        ? { attributedTo: explained.id, ...(explained.remediation ? { remediationRef: explained.remediation } : {}) }
        : { plan: advice('probe.route-websocket', 'websocket', 'Route WebSocket upgrades through the sticky path', `upgrade on ${ws[0]!.response!.backend}, pages on ${home}`, 'upgrade on the page backend', 'send the WebSocket path through the same upstream/backend/Ingress as the pages, with the same affinity cookie') }),
    }];
  },
};

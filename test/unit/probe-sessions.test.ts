import { describe, expect, it } from '@jest/globals';
import { analyzeFiles, serviceYaml } from '../support/bundles.ts';

type Step = [phase: 'no-jar' | 'jar' | 'websocket', session: number, backend: string];

/** A bundle whose probe saw `steps`: each session opens without cookies, then carries SERVERID. */
function bundle(steps: Step[], ...service: string[]) {
  const exchanges = steps.map(([phase, session, backend]) => ({
    phase, session, at: '2026-11-25T10:00:00.000Z',
    request: { url: phase === 'websocket' ? 'wss://shop.example.com/ws' : 'https://shop.example.com/', cookies: phase === 'no-jar' ? [] : ['SERVERID'] },
    response: {
      status: phase === 'websocket' ? 101 : 200, backend, date: 'Wed, 25 Nov 2026 10:00:00 GMT',
      setCookies: phase === 'no-jar' ? [{ name: 'SERVERID', value: '<redacted>', path: '/', secure: true, httpOnly: true, size: 40 }] : [],
    },
  }));
  return analyzeFiles({
    'service.yaml': serviceYaml('probe: { url: "https://shop.example.com/" }', ...service),
    'meta.json': JSON.stringify({ collectedAt: '2026-11-25T10:00:05Z', notChecked: {} }),
    'probe/exchanges.json': JSON.stringify({ url: 'https://shop.example.com/', backendHeader: 'X-Backend-Server', exchanges }),
  });
}

describe('probe rules judge each session on its own', () => {
  it('counts sessions that stay on their own backend as sticky, however the sessions spread', () => {
    // Act
    const report = bundle([
      ['no-jar', 0, 'app1'], ['no-jar', 1, 'app2'], ['no-jar', 2, 'app3'],
      ['jar', 0, 'app1'], ['jar', 0, 'app1'], ['jar', 1, 'app2'], ['jar', 1, 'app2'], ['jar', 2, 'app3'], ['jar', 2, 'app3'],
    ]);
    // Assess
    expect([report.verdict, report.findings]).toEqual(['healthy', []]);
  });

  it('reports a session that moved after its first request, naming how many moved', () => {
    // Act
    const report = bundle([
      ['no-jar', 0, 'app1'], ['no-jar', 1, 'app1'], ['no-jar', 2, 'app2'],
      ['jar', 0, 'app1'], ['jar', 0, 'app1'], ['jar', 1, 'app2'], ['jar', 1, 'app2'], ['jar', 2, 'app2'], ['jar', 2, 'app2'],
    ]);
    // Assess
    expect(report.findings.map((f) => [f.id, f.cause, f.severity, f.summary, f.evidence[0]])).toEqual([[
      'probe.service.spread', 'cookie-not-set', 'critical',
      '1 of 3 sessions reached several backends with their cookies (session 1: app1 → app2 ×2)',
      'probe/exchanges.json: session 1: app1 → app2 ×2',
    ]]);
  });

  it('compares each WebSocket upgrade with the backend of its own session', () => {
    // Act
    const report = bundle([
      ['no-jar', 0, 'app1'], ['no-jar', 1, 'app2'], ['jar', 0, 'app1'], ['jar', 1, 'app2'],
      ['websocket', 0, 'app1'], ['websocket', 1, 'app1'],
    ], 'websocketPaths: ["/ws"]');
    // Assess
    expect(report.findings.map((f) => [f.id, f.cause, f.severity, f.summary])).toEqual([[
      'probe.websocket.websocket', 'websocket-not-sticky', 'critical',
      '1 of 2 WebSocket upgrades to wss://shop.example.com/ws with the affinity cookie reached another backend than their session\'s pages (session 1: upgrade on app1, pages on app2)',
    ]]);
  });
});

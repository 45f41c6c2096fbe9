import { describe, expect, it } from '@jest/globals';
import { DirectiveEdits } from '../../lib/remediations/nginx/directive-edit.ts';
import { applyLineEdits } from '../../lib/remediations/apply/edit-lines.ts';
import { analyzeFiles, analyzeFixture, serviceYaml } from '../support/bundles.ts';

const planOf = async (fixture: string, id: string) => {
  const report = await analyzeFixture(fixture);
  const plan = report.remediations.find((p) => p.id === id);
  if (!plan) throw new Error(`no plan ${id} in ${report.remediations.map((p) => p.id).join(', ')}`);
  return plan;
};

describe('remediation plans', () => {
  it('sets ALB cookie stickiness with a duration twice the session, naming the IAM action', async () => {
    // Act
    const plan = await planOf('aws-stickiness-disabled', 'elbv2.checkout-tg.enable-stickiness');
    // Assess
    expect(plan.change).toEqual({
      before: 'stickiness.enabled=false\nstickiness.type=lb_cookie\nstickiness.lb_cookie.duration_seconds=86400',
      after: 'stickiness.enabled=true\nstickiness.type=lb_cookie\nstickiness.lb_cookie.duration_seconds=7200',
    });
    expect(plan.permissions).toEqual(['elasticloadbalancing:ModifyTargetGroupAttributes', 'elasticloadbalancing:DescribeTargetGroupAttributes']);
    expect(plan.target).toEqual({
      targetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/checkout-tg/73e2d6bc24d8a067',
      attributes: [
        { Key: 'stickiness.enabled', Value: 'true' }, { Key: 'stickiness.type', Value: 'lb_cookie' }, { Key: 'stickiness.lb_cookie.duration_seconds', Value: '7200' },
      ],
      rollbackAttributes: [
        { Key: 'stickiness.enabled', Value: 'false' }, { Key: 'stickiness.type', Value: 'lb_cookie' }, { Key: 'stickiness.lb_cookie.duration_seconds', Value: '86400' },
      ],
    });
    expect(plan.advice).toBe(false);
  });

  it('raises only the duration of the stickiness type in use', async () => {
    // Act
    const plan = await planOf('aws-app-cookie-short', 'elbv2.checkout-tg.raise-cookie-duration');
    // Assess
    expect(plan.change).toEqual({ before: 'stickiness.app_cookie.duration_seconds=1800', after: 'stickiness.app_cookie.duration_seconds=7200' });
  });

  it('turns on group stickiness and keeps every other field of the forward action', async () => {
    // Act
    const plan = await planOf('aws-weighted-no-group-stickiness', 'elbv2.listener-f2f7dc8efc522ab2.enable-group-stickiness');
    // Assess
    expect(plan.target.actions).toEqual([
      {
        Type: 'forward',
        Order: 1,
        ForwardConfig: {
          TargetGroups: [
            { TargetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/checkout-tg/73e2d6bc24d8a067', Weight: 90 },
            { TargetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/checkout-green/9a1b2c3d4e5f6a7b', Weight: 10 },
          ],
          TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 7200 },
        },
      },
    ]);
    expect((plan.target.rollbackActions as { ForwardConfig: unknown }[])[0]!.ForwardConfig).toMatchObject({ TargetGroupStickinessConfig: { Enabled: false } });
    expect(plan.permissions).toEqual(['elasticloadbalancing:ModifyListener']);
  });

  it('offers advice, not an apply button, for NLB source-IP affinity of public clients', async () => {
    // Act
    const plan = await planOf('aws-nlb-source-ip-public', 'elbv2.checkout-tg.move-to-alb');
    // Assess
    expect([plan.advice, plan.change.after]).toEqual([true, 'ALB target group with stickiness.type=lb_cookie']);
  });

  it('gives HAProxy servers distinct cookie values, keeping the ones that were unique', async () => {
    // Act
    const plan = await planOf('haproxy-duplicate-cookie-values', 'haproxy.edge.app.enable-cookie');
    // Assess
    expect(plan.target.edits).toEqual([
      { file: 'haproxy/edge.cfg', line: 16, before: 'cookie ROUTEID insert indirect nocache', after: 'cookie SERVERID insert indirect nocache httponly maxidle 2h maxlife 2h'.replace('SERVERID', 'ROUTEID') },
      { file: 'haproxy/edge.cfg', line: 18, before: 'server app2 10.0.1.2:8080 cookie app1 check inter 5s fall 3   # copy-paste slip', after: 'server app2 10.0.1.2:8080 cookie app2 check inter 5s fall 3   # copy-paste slip' },
    ]);
  });

  it('patches Ingress annotations with a merge patch and an exact inverse', async () => {
    // Act
    const plan = await planOf('k8s-cookie-max-age-short', 'kubernetes.checkout.set-ingress-annotations');
    // Assess
    expect(plan.target).toEqual({
      kind: 'Ingress', namespace: 'shop', name: 'checkout', patchType: 'merge',
      patch: { metadata: { annotations: { 'nginx.ingress.kubernetes.io/session-cookie-max-age': '7200', 'nginx.ingress.kubernetes.io/session-cookie-expires': '7200' } } },
      rollbackPatch: { metadata: { annotations: { 'nginx.ingress.kubernetes.io/session-cookie-max-age': '900', 'nginx.ingress.kubernetes.io/session-cookie-expires': '900' } } },
    });
    expect(plan.permissions).toEqual(['patch ingresses']);
  });

  it('drains pods before they stop with a strategic-merge patch by container name', async () => {
    // Act
    const plan = await planOf('k8s-rolling-no-prestop', 'kubernetes.checkout.safe-rollout');
    // Assess
    expect(plan.target.patch).toEqual({
      spec: {
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        template: { spec: { terminationGracePeriodSeconds: 60, containers: [{ name: 'web', lifecycle: { preStop: { exec: { command: ['/bin/sh', '-c', 'sleep 30'] } } } }] } },
      },
    });
    expect(plan.target.rollbackPatch).toEqual({
      spec: { strategy: null, template: { spec: { terminationGracePeriodSeconds: 60, containers: [{ name: 'web', lifecycle: null }] } } },
    });
  });

  it('points the NGINX WebSocket location at the sticky upstream', async () => {
    // Act
    const plan = await planOf('nginx-websocket-upstream', 'nginx.edge.socket.route-websocket-sticky');
    // Assess
    expect(plan.change).toEqual({ before: 'nginx/edge.conf:17: proxy_pass http://sockets;', after: 'nginx/edge.conf:17: proxy_pass http://pages;' });
  });

  it('folds the live symptoms into the configuration finding that explains them: one finding, both kinds of evidence', async () => {
    // Act
    const report = await analyzeFixture('probe-spread-haproxy');
    // Assess
    expect(report.findings).toEqual([{
      id: 'haproxy.edge.app.server-cookie', check: 'haproxy.server-cookie', cause: 'cookie-not-set', severity: 'critical', layer: 'haproxy', resource: 'edge/backend app',
      summary: 'no servers of app have a "cookie" value, so cookie ROUTEID never sticks; seen live: 6 requests to http://shop.example.com/ received no affinity cookie and were answered by 2 backends (app1 ×3, app2 ×3); 4 requests with a cookie jar reached 2 backends (app1 ×2, app2 ×2)',
      evidence: [
        'haproxy/edge.cfg:16: cookie ROUTEID insert indirect nocache',
        'haproxy/edge.cfg:17: server app1 10.0.1.1:8080 check inter 5s fall 3 (no cookie value)',
        'haproxy/edge.cfg:18: server app2 10.0.1.2:8080 check inter 5s fall 3 (no cookie value)',
        'probe/exchanges.json: no Set-Cookie of ROUTEID; backends app1 ×3, app2 ×3',
        'probe/exchanges.json: jar phase backends: app1 ×2, app2 ×2',
      ],
      remediation: 'haproxy.edge.app.enable-cookie',
      merged: ['probe.service.no-cookie', 'probe.service.spread'],
    }]);
    expect(report.remediations.map((p) => p.id)).toEqual(['haproxy.edge.app.enable-cookie']);
  });

  it('verifies a fix only when the live symptoms folded into its finding are gone too', async () => {
    // Prepare
    const { fixesOf, verifyChange } = await import('../../lib/remediations/apply/engine.ts');
    const before = await analyzeFixture('probe-spread-haproxy');
    const symptom = await analyzeFixture('probe-no-cookie');
    // Act
    const fixes = fixesOf(before, 'haproxy.edge.app.enable-cookie');
    // Assess
    expect(fixes).toEqual(['haproxy.edge.app.server-cookie', 'probe.service.no-cookie', 'probe.service.spread']);
    const checkedAgain = { ...symptom, checked: [...symptom.checked, 'haproxy' as const] };
    expect(verifyChange(fixes, checkedAgain)).toEqual({ verified: false, remaining: ['probe.service.no-cookie', 'probe.service.spread'], unchecked: [] });
    expect(verifyChange(fixes, { ...checkedAgain, findings: [] })).toEqual({ verified: true, remaining: [], unchecked: [] });
    expect(verifyChange(fixes, { ...symptom, findings: [] })).toEqual({ verified: false, remaining: ['haproxy.edge.app.server-cookie'], unchecked: ['haproxy.edge.app.server-cookie'] });
  });

  it('sticks open-source NGINX with a route cookie it sets itself: map before the upstream, hash, Set-Cookie in the page location', async () => {
    // Act
    const plan = await planOf('nginx-round-robin', 'nginx.edge.backend.route-cookie');
    // Assess
    expect([plan.advice, plan.title]).toEqual([false, 'Stick edge/backend from the first request with a route cookie NGINX sets itself']);
    expect(plan.change).toEqual({
      before: 'nginx/edge.conf:4: least_conn;',
      after: 'nginx/edge.conf:3: map $cookie_route $sticky_route {\n    ""      $request_id;\n    default $cookie_route;\n}\nnginx/edge.conf:8: hash $sticky_route consistent;\nnginx/edge.conf:18: add_header Set-Cookie "route=$sticky_route; Path=/; HttpOnly; SameSite=Lax" always;',
    });
  });

  it('adds the route cookie only where NGINX\'s add_header inheritance dropped it, next to that location\'s own headers', async () => {
    // Act
    const plan = await planOf('nginx-route-cookie-inheritance', 'nginx.edge.shop.route-cookie');
    // Assess
    expect(plan.change).toEqual({
      before: '',
      after: 'nginx/edge.conf:30: add_header Set-Cookie "route=$route_key; Path=/; HttpOnly; Secure; SameSite=Lax" always;',
    });
  });

  it('offers the route cookie as advice when the upstream has a backup server, which NGINX cannot hash over', () => {
    // Act
    const report = analyzeFiles({
      'service.yaml': serviceYaml('tls: false'),
      'nginx/edge.conf': 'events {}\nhttp {\n  upstream app {\n    server 10.0.1.1:80;\n    server 10.0.1.2:80;\n    server 10.0.1.9:80 backup;\n  }\n  server { listen 80; server_name shop.example.com; location / { proxy_pass http://app; } }\n}\n',
    });
    // Assess
    expect(report.remediations.map((p) => [p.id, p.advice, p.apply])).toEqual([[
      'nginx.edge.app.route-cookie', true,
      'not a button, because NGINX cannot hash over an upstream with backup servers (10.0.1.9:80; `nginx -t` refuses "backup" with "hash"): drop the backup flag (or move the spare to its own upstream), then apply this change',
    ]]);
  });

  it('switches a mode tcp backend and its listen section to mode http, keeping the cookie line HAProxy ignored', async () => {
    // Act
    const plan = await planOf('haproxy-tcp-mode-cookie', 'haproxy.lb.nodes.enable-cookie');
    // Assess
    expect([plan.advice, plan.title]).toEqual([false, 'Switch lb/nodes to mode http and stick with cookie SRV']);
    expect(plan.change).toEqual({ before: '', after: 'haproxy/lb.cfg:12: mode http\nhaproxy/lb.cfg:17: mode http' });
  });

  it('gives advice, not a button, where HAProxy passes TLS through in mode tcp', async () => {
    // Act
    const plan = await planOf('haproxy-tcp-passthrough-cookie', 'haproxy.edge.app.enable-cookie');
    // Assess
    expect([plan.advice, plan.apply]).toEqual([true, 'not a button, because HAProxy passes TLS through here (mode tcp, no "ssl" on the bind line), so it can neither read nor set a cookie: terminate TLS on HAProxy (bind ... ssl crt ...) and switch to mode http, or keep affinity on the client address']);
  });

  it('gives advice for a cross-site cookie on a public plain-HTTP host, and Secure with SameSite=None on loopback', () => {
    // Prepare
    const cfg = 'defaults\n  mode http\nfrontend w\n  bind :80\n  default_backend app\nbackend app\n  cookie S insert indirect nocache attr "SameSite=None"\n  server a 10.0.1.1:80 cookie a\n  server b 10.0.1.2:80 cookie b\n';
    const svc = (hosts: string) => ['name: checkout', `hosts: [${hosts}]`, 'sessionTimeoutSeconds: 3600', 'tls: false', 'crossSite: true'].join('\n');
    // Act
    const pub = analyzeFiles({ 'service.yaml': svc('shop.example.com'), 'haproxy/e.cfg': cfg }).remediations[0]!;
    const loop = analyzeFiles({ 'service.yaml': svc('127.0.0.1'), 'haproxy/e.cfg': cfg }).remediations[0]!;
    // Assess
    expect([pub.advice, pub.apply]).toEqual([true, 'not a button, because browsers send a cookie cross-site only with SameSite=None, which needs Secure, which they accept only over HTTPS: serve shop.example.com over HTTPS (and set tls: true in the catalog), then fix the cookie']);
    expect([loop.advice, loop.change.after]).toEqual([false, 'haproxy/e.cfg:7: cookie S insert indirect nocache secure attr "SameSite=None"']);
  });

  it('edits an NGINX directive inside a line it shares with others, composing several changes to one line', () => {
    // Prepare
    const ref = { file: 'nginx/e.conf', line: 3, text: 'upstream app { least_conn; server 10.0.0.1:80; server 10.0.0.2:80 down; }' };
    // Act
    const edits = new DirectiveEdits()
      .replace({ name: 'least_conn', args: [], ref }, 'hash $k consistent;')
      .replace({ name: 'server', args: ['10.0.0.2:80', 'down'], ref }, 'server 10.0.0.2:80;')
      .insertInBlock({ name: 'upstream', args: ['app'], ref }, 'zone app 64k;')
      .insertBefore({ name: 'upstream', args: ['app'], ref }, 'map $cookie_route $k { default $cookie_route; }')
      .list();
    const out = applyLineEdits('http {\n\n    upstream app { least_conn; server 10.0.0.1:80; server 10.0.0.2:80 down; }\n}', edits);
    // Assess
    expect(out.split('\n')).toEqual([
      'http {',
      '',
      '    map $cookie_route $k { default $cookie_route; }',
      '    upstream app { zone app 64k; hash $k consistent; server 10.0.0.1:80; server 10.0.0.2:80; }',
      '}',
    ]);
  });

  it('keeps the location when its health check shares the line', async () => {
    // Act
    const plan = await planOf('nginx-plus-boundary', 'nginx.edge.account.slow-health-checks');
    // Assess
    expect(plan.change.after).toBe('nginx/edge.conf:51: location /account { proxy_pass http://account; health_check interval=5s fails=3 passes=2; }');
  });
});


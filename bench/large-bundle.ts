import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Sizes of the generated bundle at scale 1 (the issue's benchmark target). */
export const SIZE = { targetGroups: 200, targetsPerGroup: 10, kubeObjects: 300, haproxyLines: 5000, nginxLines: 3000, paths: 40 };

/** The sizes at `scale` times the large bundle: every dimension grows (targets per group stay 10). */
export function sizeAt(scale: number): typeof SIZE {
  return { targetGroups: SIZE.targetGroups * scale, targetsPerGroup: SIZE.targetsPerGroup, kubeObjects: SIZE.kubeObjects * scale, haproxyLines: SIZE.haproxyLines * scale, nginxLines: SIZE.nginxLines * scale, paths: SIZE.paths * scale };
}

const arn = (kind: string, name: string, i: number) => `arn:aws:elasticloadbalancing:eu-west-1:123456789012:${kind}/${name}/${i.toString(16).padStart(16, '0')}`;

/**
 * Writes a large, realistic evidence bundle to `dir`: every layer present, many resources, a
 * mix of healthy and faulty ones, so every check does real work. `scale` multiplies every
 * dimension (target groups, Kubernetes objects, config lines, service paths); `kubeScale` the
 * Kubernetes objects alone (Ingress, Service, Deployment groups with their EndpointSlices,
 * autoscalers and events), to measure how the Kubernetes rules scale.
 */
export function writeLargeBundle(dir: string, o: { kubeScale?: number; scale?: number } = {}): { files: number; bytes: number; kubeObjects: number } {
  const scale = o.scale ?? 1;
  const SIZE = sizeAt(scale);
  let kubeObjects = 0;
  const kubeGroups = Math.round((SIZE.kubeObjects / 3) * (o.kubeScale ?? 1));
  let files = 0;
  let bytes = 0;
  const put = (rel: string, text: string) => {
    const full = join(dir, rel);
    mkdirSync(join(full, '..'), { recursive: true });
    writeFileSync(full, text);
    files++;
    bytes += Buffer.byteLength(text);
  };
  const paths = Array.from({ length: SIZE.paths }, (_, i) => `/p${i}/`);
  put('service.yaml', [
    'name: checkout', 'hosts: [shop.example.com, www.shop.example.com]', `paths: [${paths.map((p) => `"${p}"`).join(', ')}]`,
    'sessionTimeoutSeconds: 3600', 'clients: public', 'tls: true', 'websocketPaths: ["/ws/"]',
  ].join('\n'));
  put('meta.json', JSON.stringify({ collectedAt: '2026-11-25T10:00:00Z', trigger: 'bench', notChecked: {} }));

  const tgs = Array.from({ length: SIZE.targetGroups }, (_, i) => ({
    TargetGroupArn: arn('targetgroup', `tg-${i}`, i), TargetGroupName: `tg-${i}`, Protocol: 'HTTP', Port: 8080, TargetType: 'instance',
    LoadBalancerArns: [arn('loadbalancer/app', 'shop', 1)], HealthCheckIntervalSeconds: 30, UnhealthyThresholdCount: 2, HealthCheckPath: '/healthz',
  }));
  put('aws/describe-load-balancers.json', JSON.stringify({ LoadBalancers: [{ LoadBalancerArn: arn('loadbalancer/app', 'shop', 1), LoadBalancerName: 'shop', Type: 'application', Scheme: 'internet-facing' }] }, null, 4));
  put('aws/describe-target-groups.json', JSON.stringify({ TargetGroups: tgs }, null, 4));
  tgs.forEach((tg, i) => {
    put(`aws/target-group-attributes/${tg.TargetGroupName}.json`, JSON.stringify({
      Attributes: [
        { Key: 'stickiness.enabled', Value: String(i % 5 !== 0) }, { Key: 'stickiness.type', Value: 'lb_cookie' },
        { Key: 'stickiness.lb_cookie.duration_seconds', Value: i % 7 === 0 ? '600' : '86400' },
        { Key: 'deregistration_delay.timeout_seconds', Value: i % 11 === 0 ? '0' : '300' },
        { Key: 'slow_start.duration_seconds', Value: '0' }, { Key: 'load_balancing.algorithm.type', Value: 'round_robin' },
      ],
    }, null, 4));
    put(`aws/target-health/${tg.TargetGroupName}.json`, JSON.stringify({
      TargetHealthDescriptions: Array.from({ length: SIZE.targetsPerGroup }, (_, t) => ({
        Target: { Id: `i-${(i * 100 + t).toString(16).padStart(17, '0')}`, Port: 8080 }, HealthCheckPort: '8080',
        TargetHealth: t === 0 && i % 13 === 0 ? { State: 'unhealthy', Reason: 'Target.FailedHealthChecks' } : { State: 'healthy' },
      })),
    }, null, 4));
  });
  put('aws/describe-listeners.json', JSON.stringify({
    Listeners: [{
      ListenerArn: arn('listener/app', 'shop', 2), Port: 443, Protocol: 'HTTPS',
      DefaultActions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: tgs[1]!.TargetGroupArn, Weight: 50 }, { TargetGroupArn: tgs[2]!.TargetGroupArn, Weight: 50 }], TargetGroupStickinessConfig: { Enabled: false } } }],
    }],
  }, null, 4));

  const docs: string[] = [];
  for (let i = 0; i < kubeGroups; i++) {
    const sticky = i % 4 !== 0;
    const alb = i % 3 === 2;
    docs.push([
      'apiVersion: networking.k8s.io/v1', 'kind: Ingress', 'metadata:', `  name: app-${i}`, '  namespace: shop', '  annotations:',
      ...(alb
        ? ['    alb.ingress.kubernetes.io/target-type: ip', `    alb.ingress.kubernetes.io/target-group-attributes: stickiness.enabled=${sticky},stickiness.lb_cookie.duration_seconds=${i % 6 === 2 ? 600 : 7200}${i % 11 === 2 ? ',deregistration_delay.timeout_seconds=0' : ''}`]
        : [sticky ? '    nginx.ingress.kubernetes.io/affinity: cookie' : '    nginx.ingress.kubernetes.io/proxy-body-size: 8m', `    nginx.ingress.kubernetes.io/session-cookie-max-age: "${i % 6 === 0 ? 600 : 7200}"`]),
      'spec:', `  ingressClassName: ${alb ? 'alb' : 'nginx'}`, '  rules:', '  - host: shop.example.com', '    http:', '      paths:',
      `      - path: ${paths[i % paths.length]}`, '        pathType: Prefix', '        backend:', '          service:', `            name: app-${i}`, '            port: {number: 80}',
    ].join('\n'));
    docs.push(['apiVersion: v1', 'kind: Service', 'metadata:', `  name: app-${i}`, '  namespace: shop', 'spec:', `  sessionAffinity: ${i % 9 === 0 ? 'ClientIP' : 'None'}`, '  selector: {app: app-' + i + '}', '  ports: [{port: 80, targetPort: 8080}]'].join('\n'));
    docs.push([
      'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', `  name: app-${i}`, '  namespace: shop', 'spec:', '  replicas: 4', '  selector: {matchLabels: {app: app-' + i + '}}',
      '  template:', '    metadata: {labels: {app: app-' + i + '}}', '    spec:', '      containers:', '      - name: web', `        image: registry.example.com/app-${i}:1.0`,
      '        readinessProbe: {httpGet: {path: /ready, port: 8080}, periodSeconds: 5, failureThreshold: 3}', '        livenessProbe: {httpGet: {path: /healthz, port: 8080}}',
    ].join('\n'));
    const extra: string[] = [];
    extra.push([
      'apiVersion: discovery.k8s.io/v1', 'kind: EndpointSlice', 'metadata:', `  name: app-${i}-abcde`, '  namespace: shop', `  labels: {kubernetes.io/service-name: app-${i}}`, 'addressType: IPv4', 'endpoints:',
      ...[0, 1, 2, 3].flatMap((e) => [`- addresses: ["10.2.${i % 250}.${e + 1}"]`, `  conditions: {ready: ${!(i % 7 === 0 && e === 0)}}`, `  targetRef: {kind: Pod, name: app-${i}-5d9f7c-${e}}`]),
    ].join('\n'));
    if (i % 5 === 0) extra.push(['apiVersion: autoscaling/v2', 'kind: HorizontalPodAutoscaler', 'metadata:', `  name: app-${i}`, '  namespace: shop', 'spec:', `  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: app-${i}}`, '  minReplicas: 2', '  maxReplicas: 8'].join('\n'));
    if (i % 6 === 0) extra.push(['apiVersion: v1', 'kind: Event', 'metadata:', `  name: app-${i}-5d9f7c-0.kill`, '  namespace: shop', 'reason: Killing', 'type: Normal', 'message: Stopping container web', 'count: 1', 'lastTimestamp: "2026-11-25T09:40:00Z"', `involvedObject: {kind: Pod, name: app-${i}-5d9f7c-0, namespace: shop}`].join('\n'));
    if (i % 7 === 0) extra.push(['apiVersion: v1', 'kind: Event', 'metadata:', `  name: app-${i}-5d9f7c-1.unhealthy`, '  namespace: shop', 'reason: Unhealthy', 'type: Warning', 'message: "Readiness probe failed: HTTP probe failed with statuscode: 503"', 'count: 4', 'lastTimestamp: "2026-11-25T09:50:00Z"', `involvedObject: {kind: Pod, name: app-${i}-5d9f7c-1, namespace: shop, fieldPath: "spec.containers{web}"}`].join('\n'));
    docs.push(...extra);
  }
  kubeObjects = docs.length;
  put('kubernetes/shop.yaml', docs.join('\n---\n'));

  const hap: string[] = ['global', '    maxconn 50000', 'defaults', '    mode http', '    timeout connect 5s', '    timeout client 30s', '    timeout server 30s', 'frontend web', '    bind :443 ssl crt /etc/haproxy/shop.pem', '    http-request set-header X-Forwarded-Proto https'];
  let b = 0;
  for (; hap.length < 600 * scale; b++) hap.push(`    acl p${b} path_beg /p${b}/`, `    use_backend be${b} if p${b}`);
  const routed = b;
  hap.push('    default_backend be0');
  for (let i = 0; hap.length < SIZE.haproxyLines; i++) {
    hap.push(`backend be${i}`, i % 3 === 0 ? '    cookie SRV insert indirect nocache maxidle 10m' : '    cookie SRV insert indirect nocache maxidle 2h', `    server a${i} 10.${i >> 8}.${i & 255}.1:8080 cookie a check inter 5s fall 3`, `    server b${i} 10.${i >> 8}.${i & 255}.2:8080 cookie b check inter 5s fall 3`, '');
  }
  void routed;
  put('haproxy/edge1.cfg', hap.join('\n'));

  const ng: string[] = ['# configuration file /etc/nginx/nginx.conf:', 'events {}', 'http {'];
  const ups = 150 * scale;
  for (let i = 0; i < ups; i++) ng.push(`    upstream u${i} {`, i % 4 === 0 ? '        ip_hash;' : '        hash $cookie_sid consistent;', `        server 10.1.${i}.1:8080;`, `        server 10.1.${i}.2:8080;`, '    }', '');
  ng.push('    server {', '        listen 443 ssl;', '        server_name shop.example.com www.shop.example.com;', '        proxy_set_header X-Forwarded-Proto $scheme;');
  for (let i = 0; ng.length < SIZE.nginxLines - 3; i++) ng.push(`        location /p${i}/ {`, `            proxy_pass http://u${i % ups};`, '        }');
  ng.push('    }', '}');
  put('nginx/edge.conf', ng.join('\n'));
  return { files, bytes, kubeObjects };
}

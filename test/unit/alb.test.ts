import { describe, expect, it } from '@jest/globals';
import { formatStringMap, parseStringMap } from '../../lib/checks/support/alb-annotations.ts';
import { albRouteFor, albRoutes } from '../../lib/checks/support/alb.ts';
import { hashKeyKind, ingressController, kubeIndex } from '../../lib/checks/support/kubernetes.ts';
import { parseBundle } from '../../lib/evidence/bundle.ts';
import { parseKubernetesFile } from '../../lib/evidence/kubernetes.ts';
import { raw, serviceYaml } from '../support/bundles.ts';

const ingress = (name: string, annotations: Record<string, string>, paths: [string, string, string][], cls?: string) => [
  'apiVersion: networking.k8s.io/v1', 'kind: Ingress', 'metadata:', `  name: ${name}`, '  namespace: shop', '  annotations:',
  ...Object.entries(annotations).map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`),
  'spec:', ...(cls ? [`  ingressClassName: ${cls}`] : []), '  rules:', '  - host: shop.example.com', '    http:', '      paths:',
  ...paths.flatMap(([p, t, svc]) => [`      - path: ${p}`, `        pathType: ${t}`, '        backend:', '          service:', `            name: ${svc}`, '            port: {number: 80}']),
].join('\n');

describe('AWS Load Balancer Controller annotations', () => {
  it('reads and writes the stringMap format, keeping order and trimming spaces', () => {
    // Act
    const m = parseStringMap(' stickiness.enabled=true , deregistration_delay.timeout_seconds=30,flag ');
    // Assess
    expect([...m]).toEqual([['stickiness.enabled', 'true'], ['deregistration_delay.timeout_seconds', '30'], ['flag', '']]);
    expect(formatStringMap(m)).toBe('stickiness.enabled=true,deregistration_delay.timeout_seconds=30,flag=');
  });

  it('tells ALB Ingresses from ingress-nginx ones by class, legacy annotation, IngressClass and default class', () => {
    // Prepare
    const objects = parseKubernetesFile([
      ingress('a', {}, [['/', 'Prefix', 's']], 'alb'),
      ingress('b', { 'kubernetes.io/ingress.class': 'alb' }, [['/', 'Prefix', 's']]),
      ingress('c', {}, [['/', 'Prefix', 's']], 'edge'),
      ingress('d', {}, [['/', 'Prefix', 's']]),
      ingress('e', {}, [['/', 'Prefix', 's']], 'nginx'),
      'apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata:\n  name: edge\n  annotations: {ingressclass.kubernetes.io/is-default-class: "true"}\nspec:\n  controller: ingress.k8s.aws/alb',
    ].join('\n---\n'), 'kubernetes/x.yaml');
    const index = kubeIndex(objects);
    // Act
    const got = objects.filter((o) => o.kind === 'Ingress').map((o) => [o.name, ingressController(index, o)]);
    // Assess
    expect(got).toEqual([['a', 'alb'], ['b', 'alb'], ['c', 'alb'], ['d', 'alb'], ['e', 'nginx']]);
  });

  it('routes a request the way the ALB evaluates an IngressGroup: group order, then Exact, longest Prefix, then patterns', () => {
    // Prepare
    const ev = parseBundle(raw({
      'service.yaml': serviceYaml(),
      'kubernetes/x.yaml': [
        ingress('shop', { 'alb.ingress.kubernetes.io/group.name': 'g', 'alb.ingress.kubernetes.io/group.order': '20' }, [['/', 'Prefix', 'front'], ['/cart/*', 'ImplementationSpecific', 'pattern'], ['/cart', 'Prefix', 'cart'], ['/cart/checkout', 'Exact', 'exact']], 'alb'),
        ingress('api', { 'alb.ingress.kubernetes.io/group.name': 'g', 'alb.ingress.kubernetes.io/group.order': '10' }, [['/api', 'Prefix', 'api']], 'alb'),
      ].join('\n---\n'),
    }));
    const to = (path: string) => albRouteFor(ev.kubernetes, ev.service, 'shop.example.com', path)?.route.backendService;
    // Act / Assess
    expect(albRoutes(ev.kubernetes, ev.service).map((r) => `${r.route.ingress.name}:${r.route.path}`)).toEqual(['api:/api', 'shop:/cart/checkout', 'shop:/cart', 'shop:/', 'shop:/cart/*']);
    expect([to('/api/v1'), to('/cart/checkout'), to('/cart/items'), to('/cart'), to('/cartoon'), to('/')]).toEqual(['api', 'exact', 'cart', 'cart', 'front', 'front']);
  });
});

describe('ingress-nginx upstream-hash-by keys', () => {
  it.each([
    ['$binary_remote_addr', {}, 'address'],
    ['$remote_addr$http_user_agent', {}, 'address'],
    ['$client_ip', { 'nginx.ingress.kubernetes.io/configuration-snippet': 'set $client_ip $remote_addr;' }, 'address'],
    ['$client_ip', {}, 'address'],
    ['$cookie_JSESSIONID', {}, 'cookie'],
    ['$sid', { 'nginx.ingress.kubernetes.io/server-snippet': 'set $sid $cookie_sid;' }, 'cookie'],
    ['$request_uri', {}, 'request'],
    ['$http_x_account_id', {}, 'client'],
    ['$tenant', {}, 'unknown'],
  ])('%s %j is %s', (key, annotations, kind) => {
    // Prepare
    const [ing] = parseKubernetesFile(ingress('x', annotations, [['/', 'Prefix', 's']], 'nginx'), 'kubernetes/x.yaml');
    // Act / Assess
    expect(hashKeyKind(ing!, key).kind).toBe(kind);
  });
});

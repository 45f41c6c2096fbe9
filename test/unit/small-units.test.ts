/**
 * Units no fixture reaches: YAML line positions and alias bombs, closed output pipes, and the
 * ingress-nginx hash on a variable an Ingress snippet sets from the client address.
 */
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { ignoreClosedPipes } from '../../lib/cli/pipe.ts';
import { parseLocatedYaml } from '../../lib/evidence/yaml-lines.ts';
import { readBundle } from '../../lib/evidence/read-bundle.ts';
import { analyzeFiles, FIXTURES, serviceYaml } from '../support/bundles.ts';

/** A fixture's files with some of them edited, analyzed: the ids of its findings. */
async function findingsOf(fixture: string, edit: (files: Record<string, string>) => void): Promise<string[]> {
  const files = Object.fromEntries((await readBundle(join(FIXTURES, fixture))).files);
  edit(files);
  return analyzeFiles(files).findings.map((f) => f.id);
}

describe('parseLocatedYaml', () => {
  it('tells the line of a path, and of the nearest parent for a path that is not there', () => {
    // Prepare
    const text = ['name: checkout', 'haproxy:', '  - name: edge1', '    config: /etc/haproxy/haproxy.cfg', ''].join('\n');

    // Act
    const y = parseLocatedYaml(text);

    // Assess
    expect(y.errors).toEqual([]);
    expect([y.lineOf(['name']), y.lineOf(['haproxy', 0, 'config']), y.lineOf(['haproxy', 0, 'backend']), y.lineOf(['missing', 'deeper'])]).toEqual([1, 4, 3, 1]);
  });

  it('refuses an alias bomb at the line of its first alias instead of expanding it', () => {
    // Prepare
    const text = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
    ].join('\n');

    // Act
    const y = parseLocatedYaml(text);

    // Assess
    expect(y.value).toBeUndefined();
    expect(y.errors).toEqual([{ line: 2, message: 'refused: more YAML aliases (*name) to expand than any real file needs (an alias bomb?)' }]);
  });

  it('gives a syntax error its line', () => {
    // Act
    const y = parseLocatedYaml('name: checkout\nhosts: [shop.example.com\n');

    // Assess
    expect(y.value).toBeUndefined();
    expect(y.errors.map((e) => e.line)).toEqual([3]);
  });
});

describe('ignoreClosedPipes', () => {
  it('drops writes once the reader went away (EPIPE) instead of crashing', () => {
    // Prepare
    const out = new PassThrough();
    ignoreClosedPipes([out as unknown as NodeJS.WriteStream]);

    // Act
    out.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    const accepted = out.write('after the reader left\n');

    // Assess
    expect(accepted).toBe(true);
    expect(out.read()).toBeNull();
  });

  it('still raises any other output error', () => {
    // Prepare
    const out = new PassThrough();
    ignoreClosedPipes([out as unknown as NodeJS.WriteStream]);

    // Act / Assess
    expect(() => out.emit('error', Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }))).toThrow('no space left on device');
  });
});

describe('kubernetes.ingress-hash-ip through a snippet variable', () => {
  it('names the snippet that sets the hashed variable from the client address, and cites its line', () => {
    // Prepare
    const objects = [
      'apiVersion: networking.k8s.io/v1', 'kind: Ingress', 'metadata:', '  name: checkout', '  namespace: shop', '  annotations:',
      '    nginx.ingress.kubernetes.io/upstream-hash-by: "$client_ip"',
      '    nginx.ingress.kubernetes.io/configuration-snippet: |', '      more_set_headers "X-Shop: 1";', '      set $client_ip $remote_addr;',
      'spec:', '  ingressClassName: nginx', '  rules:', '  - host: shop.example.com', '    http:', '      paths:', '      - path: /', '        pathType: Prefix',
      '        backend: { service: { name: checkout, port: { number: 80 } } }',
    ].join('\n');

    // Act
    const report = analyzeFiles({ 'service.yaml': serviceYaml('clients: public', 'kubernetes: { namespace: shop }'), 'kubernetes/objects.yaml': objects });
    const f = report.findings.find((x) => x.check === 'kubernetes.ingress-hash-ip');

    // Assess
    expect(f?.summary).toBe('/, /cart of Ingress checkout stick on the client address with upstream-hash-by $client_ip (the Ingress\'s snippet sets $client_ip from $remote_addr); public clients change it (mobile) or share it (NAT, proxies)');
    expect(f?.evidence).toEqual(['kubernetes/objects.yaml:7: nginx.ingress.kubernetes.io/upstream-hash-by: $client_ip', 'kubernetes/objects.yaml:8: nginx.ingress.kubernetes.io/configuration-snippet: set $client_ip $remote_addr;']);
  });
});

describe('deregistration delay: only 0 is a finding', () => {
  it('flags an ALB target group the controller makes with a delay of 0, and not one of 1 s', async () => {
    // Prepare
    const delay = (seconds: number) => (files: Record<string, string>) => {
      files['kubernetes/objects.yaml'] = files['kubernetes/objects.yaml']!.replace('deregistration_delay.timeout_seconds=0', `deregistration_delay.timeout_seconds=${seconds}`);
    };

    // Act
    const zero = await findingsOf('k8s-alb-dereg-zero', delay(0));
    const one = await findingsOf('k8s-alb-dereg-zero', delay(1));

    // Assess
    expect(zero.filter((id) => id.includes('deregistration'))).toHaveLength(1);
    expect(one.filter((id) => id.includes('deregistration'))).toEqual([]);
  });
});

describe('elbv2.cookie-duration: an unset duration is ELB\'s default, one day', () => {
  const unset = (session: number) => (files: Record<string, string>) => {
    const path = 'aws/target-group-attributes/checkout-tg.json';
    const attrs = JSON.parse(files[path]!) as { Attributes: { Key: string }[] };
    files[path] = JSON.stringify({ Attributes: attrs.Attributes.filter((a) => a.Key !== 'stickiness.lb_cookie.duration_seconds') });
    files['service.yaml'] = files['service.yaml']!.replace('sessionTimeoutSeconds: 3600', `sessionTimeoutSeconds: ${session}`);
  };

  it('is enough for a two-hour session and too short for a 25-hour one', async () => {
    // Act
    const twoHours = await findingsOf('aws-duration-equal', unset(7200));
    const day = await findingsOf('aws-duration-equal', unset(86_400));
    const longer = await findingsOf('aws-duration-equal', unset(90_000));

    // Assess
    expect([twoHours, day]).toEqual([[], []]);
    expect(longer).toEqual(['elbv2.checkout-tg.cookie-duration']);
  });
});

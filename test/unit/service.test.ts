import { describe, expect, it } from '@jest/globals';
import { BundleError } from '../../lib/evidence/errors.ts';
import { parseService } from '../../lib/evidence/service.ts';

const messageOf = (text: string) => {
  try {
    parseService(text);
  } catch (e) {
    expect(e).toBeInstanceOf(BundleError);
    return (e as Error).message;
  }
  throw new Error('expected a BundleError');
};

describe('parseService', () => {
  it('applies the documented defaults', () => {
    // Act
    const s = parseService('name: checkout\nhosts: [shop.example.com]\nsessionTimeoutSeconds: 1800\n');
    // Assess
    expect(s).toEqual({ name: 'checkout', hosts: ['shop.example.com'], paths: ['/'], sessionTimeoutSeconds: 1800, clients: 'public', tls: true, crossSite: false, websocketPaths: [] });
  });

  it('names every bad field with its line and reason', () => {
    // Act
    const msg = messageOf(['name: Checkout', 'hosts: [shop.example.com]', 'sessionTimeoutSeconds: "1h"', 'clients: everyone', 'sessionTimeout: 3600'].join('\n'));
    // Assess
    expect(msg.split('\n')).toEqual([
      'service.yaml:1: name: must match [a-z0-9][a-z0-9-]{0,62}',
      'service.yaml:3: sessionTimeoutSeconds: Invalid input: expected number, received string',
      'service.yaml:4: clients: Invalid option: expected one of "public"|"internal"',
      'service.yaml:5: (top level): Unrecognized key: "sessionTimeout"',
    ]);
  });

  it('reports YAML syntax errors at their line', () => {
    // Act
    const msg = messageOf('name: checkout\nhosts: [shop.example.com\nsessionTimeoutSeconds: 10\n');
    // Assess
    expect(msg).toMatch(/^service\.yaml:\d: /);
  });

  it('applies the probe defaults and bounds its sessions by its requests', () => {
    // Act
    const s = parseService('name: a\nhosts: [a.example.com]\nsessionTimeoutSeconds: 10\nprobe: { url: "https://a.example.com/" }\n');
    const msg = messageOf('name: a\nhosts: [a.example.com]\nsessionTimeoutSeconds: 10\nprobe:\n  url: "https://a.example.com/"\n  requests: 4\n  sessions: 5\n  concurrency: 0\n');
    // Assess
    expect(s.probe).toEqual({ url: 'https://a.example.com/', backendHeader: 'X-Backend-Server', requests: 15, concurrency: 32 });
    expect(msg.split('\n')).toEqual([
      'service.yaml:8: probe.concurrency: Too small: expected number to be >=1',
      'service.yaml:7: probe.sessions: at most probe.requests: each session sends at least one request with its cookies',
    ]);
  });

  it('rejects a probe URL that is not http(s) or ws(s) and paths without a leading slash', () => {
    // Act
    const msg = messageOf('name: a\nhosts: [a.example.com]\nsessionTimeoutSeconds: 10\npaths: [cart]\nprobe: { url: "file:///etc/passwd" }\n');
    // Assess
    expect(msg).toContain('service.yaml:4: paths[0]: must start with "/"');
    expect(msg).toContain('service.yaml:5: probe.url: Invalid URL');
  });
});

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { CatalogError, catalogPath, closestNames, findService, loadCatalog } from '../../lib/catalog/catalog.ts';
import { runtimeAddress } from '../../lib/providers/haproxy/runtime-api.ts';
import { redactSetCookie } from '../../lib/providers/probe/probe.ts';
import { applyLineEdits, dumpSection, liveTarget } from '../../lib/remediations/apply/edit-lines.ts';

const tmp = mkdtempSync(join(tmpdir(), 'sticky-units-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('catalog', () => {
  it('loads a list file, anchoring relative config paths at the catalog folder', async () => {
    // Prepare
    const file = join(tmp, 'sticky.config.yaml');
    writeFileSync(file, [
      '- name: checkout', '  hosts: [shop.example.com]', '  sessionTimeoutSeconds: 3600',
      '  haproxy: [{ name: edge1, config: haproxy/edge1.cfg, runtime: ipv4@127.0.0.1:9999 }]',
      '- name: cart', '  hosts: [shop.example.com]', '  sessionTimeoutSeconds: 600',
    ].join('\n'));
    // Act
    const catalog = await loadCatalog(file);
    // Assess
    expect(catalog.services.map((s) => s.name)).toEqual(['checkout', 'cart']);
    expect(catalog.services[0]!.haproxy).toEqual([{ name: 'edge1', config: join(tmp, 'haproxy/edge1.cfg'), runtime: 'ipv4@127.0.0.1:9999' }]);
  });

  it('loads a folder of service files and rejects a name defined twice', async () => {
    // Prepare
    const dir = join(tmp, 'services');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.yaml'), 'name: checkout\nhosts: [a.example.com]\nsessionTimeoutSeconds: 60\n');
    writeFileSync(join(dir, 'b.yml'), 'name: checkout\nhosts: [b.example.com]\nsessionTimeoutSeconds: 60\n');
    // Act / Assess
    await expect(loadCatalog(dir)).rejects.toThrow(`${dir}: service "checkout" is defined twice`);
  });

  it('names the file, line and field of a bad entry', async () => {
    // Prepare
    const file = join(tmp, 'bad.yaml');
    writeFileSync(file, '- name: checkout\n  hosts: [shop.example.com]\n  sessionTimeoutSeconds: soon\n');
    // Act / Assess
    await expect(loadCatalog(file)).rejects.toThrow(new CatalogError(`${file}:3: [0].sessionTimeoutSeconds: Invalid input: expected number, received string`));
  });

  it('suggests the closest names for an unknown service', () => {
    // Prepare
    const catalog = { source: 'c.yaml', services: ['checkout', 'checkout-api', 'cart', 'search'].map((name) => ({ name })) } as never;
    // Act / Assess
    expect(closestNames(catalog, 'chekout')).toEqual(['checkout']);
    expect(closestNames(catalog, 'checkout-a')).toEqual(['checkout', 'checkout-api']);
    expect(() => findService(catalog, 'chekout')).toThrow('no service "chekout" in c.yaml; did you mean checkout?');
    expect(() => findService(catalog, 'zzz')).toThrow('no service "zzz" in c.yaml');
  });

  it('takes --catalog, then STICKY_CATALOG, then ./sticky.config.yaml', () => {
    // Assess
    expect(catalogPath('x.yaml', { STICKY_CATALOG: '/e.yaml' }, '/w')).toBe('/w/x.yaml');
    expect(catalogPath(undefined, { STICKY_CATALOG: '/e.yaml' }, '/w')).toBe('/e.yaml');
    expect(catalogPath(undefined, {}, '/w')).toBe('/w/sticky.config.yaml');
  });
});

describe('runtimeAddress', () => {
  it('reads the stats socket forms HAProxy accepts', () => {
    // Assess
    expect([runtimeAddress('/run/haproxy/admin.sock'), runtimeAddress('unix@/run/a.sock'), runtimeAddress('ipv4@127.0.0.1:9999'), runtimeAddress('10.0.0.1:9999'), runtimeAddress('ipv6@[::1]:9999')]).toEqual([
      { path: '/run/haproxy/admin.sock' }, { path: '/run/a.sock' }, { host: '127.0.0.1', port: 9999 }, { host: '10.0.0.1', port: 9999 }, { host: '::1', port: 9999 },
    ]);
  });
});

describe('redactSetCookie', () => {
  it('keeps every attribute and never the value', () => {
    // Act
    const c = redactSetCookie('SERVERID=app1|Zx9; Domain=.example.com; Path=/; Max-Age=600; Secure; HttpOnly; SameSite=None');
    // Assess
    expect(c).toEqual({ name: 'SERVERID', value: '<redacted>', domain: '.example.com', path: '/', maxAge: 600, secure: true, httpOnly: true, sameSite: 'None', size: 92 });
    expect(JSON.stringify(c)).not.toContain('Zx9');
  });
});

describe('applyLineEdits', () => {
  it('replaces keeping indentation, inserts into the block in order, deletes', () => {
    // Prepare
    const text = ['frontend web', '    bind :80', 'backend app', '    cookie S insert maxidle 1m', '    stick on src', '    server a 1.1.1.1:80'].join('\n');
    // Act
    const out = applyLineEdits(text, [
      { line: 1, before: '', after: 'http-request set-header X-Forwarded-Proto http' },
      { line: 1, before: '', after: 'option forwardfor' },
      { line: 4, before: 'cookie S insert maxidle 1m', after: 'cookie S insert maxidle 2h' },
      { line: 5, before: 'stick on src', after: '' },
    ]);
    // Assess
    expect(out.split('\n')).toEqual(['frontend web', '    http-request set-header X-Forwarded-Proto http', '    option forwardfor', '    bind :80', 'backend app', '    cookie S insert maxidle 2h', '    server a 1.1.1.1:80']);
  });

  it('writes a multi-line change at the block\'s indentation, inserts at the top for line 0 and keeps CRLF line ends', () => {
    // Prepare
    const text = ['http {', '    upstream app {', '        least_conn;', '    }', '}'].join('\r\n');
    // Act
    const out = applyLineEdits(text, [
      { line: 1, before: '', after: 'map $cookie_route $r {\n    "" $request_id;\n}' },
      { line: 3, before: 'least_conn;', after: 'hash $r consistent;' },
      { line: 0, before: '', after: '# managed by Sticky' },
    ]);
    // Assess
    expect(out.split('\r\n')).toEqual(['# managed by Sticky', 'http {', '    map $cookie_route $r {', '        "" $request_id;', '    }', '    upstream app {', '        hash $r consistent;', '    }', '}']);
  });

  it('maps nginx -T edits to the live file through their origin', () => {
    // Prepare
    const dump = '# configuration file /etc/nginx/nginx.conf:\nhttp { include conf.d/*.conf; }\n# configuration file /etc/nginx/conf.d/a.conf:\nupstream app {\n  server 1.1.1.1:80 down;\n}\n';
    // Assess
    expect(liveTarget({ file: 'nginx/e.conf', line: 5, before: 'x', after: 'y', origin: '/etc/nginx/conf.d/a.conf:2' }, '/etc/nginx/nginx.conf')).toEqual({ path: '/etc/nginx/conf.d/a.conf', line: 2 });
    expect(dumpSection(dump, '/etc/nginx/conf.d/a.conf')).toBe('upstream app {\n  server 1.1.1.1:80 down;\n}\n');
  });
});

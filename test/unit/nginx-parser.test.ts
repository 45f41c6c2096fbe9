import { describe, expect, it } from '@jest/globals';
import { matchLocation, matchServer, parseNginxConfig, parseNginxTree } from '../../lib/evidence/nginx.ts';

const DUMP = [
  'nginx: the configuration file /etc/nginx/nginx.conf syntax is ok',
  '# configuration file /etc/nginx/nginx.conf:',
  'events {}',
  'http {',
  '    proxy_set_header X-Forwarded-Proto $scheme;',
  '    include conf.d/*.conf;',
  '}',
  '',
  '# configuration file /etc/nginx/conf.d/b.conf:',
  'upstream app { hash $cookie_sid consistent; server 10.0.0.1:80; server 10.0.0.2:80 down; }',
  '# configuration file /etc/nginx/conf.d/a.conf:',
  'server {',
  '    listen 443 ssl;',
  '    server_name shop.example.com *.shop.example.com;',
  '    location / { proxy_pass http://app; }',
  '    location ^~ /static/ { root /srv; }',
  '    location ~ \\.php$ { proxy_pass http://app; proxy_set_header Host $host; }',
  '    location = /exact { return 204; }',
  '    location /api/ { location /api/v2/ { proxy_pass http://app/v2/; } }',
  '}',
].join('\n');

describe('parseNginxConfig', () => {
  it('expands includes of an nginx -T dump in file-name order and keeps dump and origin lines', () => {
    // Act
    const cfg = parseNginxConfig(DUMP, 'nginx/edge.conf', 'edge');
    // Assess
    expect(cfg.upstreams).toHaveLength(1);
    const up = cfg.upstreams[0]!;
    expect([up.name, up.method, up.hashKey, up.consistent]).toEqual(['app', 'hash', '$cookie_sid', true]);
    expect(up.servers.map((s) => [s.address, s.down])).toEqual([['10.0.0.1:80', false], ['10.0.0.2:80', true]]);
    expect(up.ref).toEqual({ file: 'nginx/edge.conf', line: 10, text: up.ref.text, origin: '/etc/nginx/conf.d/b.conf:1' });
    expect(cfg.servers[0]!.ssl).toBe(true);
    expect(cfg.missingIncludes).toEqual([]);
  });

  it('inherits proxy_set_header only into locations that define none', () => {
    // Act
    const server = parseNginxConfig(DUMP, 'nginx/edge.conf', 'edge').servers[0]!;
    const byPath = Object.fromEntries(server.locations.map((l) => [l.path, [...l.headers.keys()]]));
    // Assess
    expect(byPath).toEqual({ '/': ['x-forwarded-proto'], '/static/': ['x-forwarded-proto'], '\\.php$': ['host'], '/exact': ['x-forwarded-proto'], '/api/': ['x-forwarded-proto'], '/api/v2/': ['x-forwarded-proto'] });
  });

  it('matches locations the way NGINX does', () => {
    // Prepare
    const cfg = parseNginxConfig(DUMP, 'nginx/edge.conf', 'edge');
    const server = matchServer(cfg, 'www.shop.example.com')!;
    const at = (uri: string) => matchLocation(server, uri)?.path;
    // Assess
    expect([at('/exact'), at('/static/x.php'), at('/cart/x.php'), at('/api/v2/items'), at('/cart')]).toEqual(['/exact', '/static/', '\\.php$', '/api/v2/', '/']);
  });

  it('reports unbalanced braces and missing semicolons with their lines', () => {
    // Assess
    expect(() => parseNginxTree('http {\n  server {\n', 'f')).toThrow('unexpected end of file, expecting "}"');
    expect(() => parseNginxTree('events {}\nworker_processes 2\n}', 'f')).toThrow('directive "worker_processes" is not terminated by ";"');
  });
});

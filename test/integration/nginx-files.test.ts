import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { analyze } from '../../lib/checks/analyze.ts';
import { parseBundle } from '../../lib/evidence/bundle.ts';
import { ServiceSchema } from '../../lib/evidence/service.ts';
import { collect } from '../../lib/providers/collect.ts';
import { ProviderError } from '../../lib/providers/errors.ts';
import { collectNginx, dumpFiles } from '../../lib/providers/nginx/collect.ts';
import { FIXTURES } from '../support/bundles.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sticky-nginx-files-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Writes files under the test folder (`@` in a text stands for the folder). */
function tree(files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text.replaceAll('@', dir));
  }
}

/** A configuration NGINX can test unprivileged: its pid, logs and temp paths in the folder. */
const runnable = () => tree({
  'nginx.conf': 'pid @/nginx.pid;\nerror_log @/error.log;\nevents {}\nhttp {\n    include conf.d/*.conf;\n    include @/upstreams.conf;\n    server {\n        listen 127.0.0.1:1;\n        include sites/shop.inc;\n    }\n}\n',
  'conf.d/a-temp.conf': ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `${t}_temp_path @/tmp-${t};`).join('\n'),
  'conf.d/b-log.conf': 'access_log @/access.log;\n',
  'conf.d/readme.txt': 'not included: the glob asks for *.conf\n',
  'upstreams.conf': 'upstream backend {\n    server 10.0.1.1:8080;\n    server 10.0.1.2:8080;\n}\n',
  'sites/shop.inc': 'server_name shop.example.com;\nlocation / {\n    proxy_pass http://backend;\n    include proxy.inc;\n}\nlocation /cart {\n    proxy_pass http://backend;\n    include proxy.inc;\n}\n',
  'proxy.inc': 'proxy_set_header Host $host;',
});

describe('NGINX configuration read from the files (no nginx -T)', () => {
  it('lays the main file and its includes out exactly as nginx -T prints them', async () => {
    // Prepare
    runnable();
    const real = execFileSync('nginx', ['-T', '-q', '-c', join(dir, 'nginx.conf')], { encoding: 'utf8' });
    // Act
    const dump = await dumpFiles(join(dir, 'nginx.conf'));
    // Assess
    expect(dump).toBe(real);
    expect([...dump.matchAll(/^# configuration file (.*):$/gm)].map((m) => m[1]!.slice(dir.length))).toEqual(['/nginx.conf', '/conf.d/a-temp.conf', '/conf.d/b-log.conf', '/upstreams.conf', '/sites/shop.inc', '/proxy.inc']);
  });

  it('reads the files when the nginx binary is not installed, without a note, and the analysis finds the upstream without affinity', async () => {
    // Prepare
    runnable();
    const service = ServiceSchema.parse({ name: 'checkout', hosts: ['shop.example.com'], sessionTimeoutSeconds: 3600, nginx: [{ name: 'edge', config: join(dir, 'nginx.conf'), binary: join(dir, 'no-such-nginx') }] });
    // Act
    const raw = await collect(service, { layers: ['nginx'] });
    const report = analyze(parseBundle(raw));
    // Assess
    expect(raw.files.get('nginx/edge.conf')).toBe(await dumpFiles(join(dir, 'nginx.conf')));
    expect(JSON.parse(raw.files.get('meta.json')!).notes).toBeUndefined();
    expect(report.checked).toEqual(['nginx']);
    expect(report.findings.map((f) => f.id)).toEqual(['nginx.edge.backend.no-affinity']);
  });

  it('falls back to the files when nginx -T fails, and says why in a note', async () => {
    // Prepare
    tree({ 'nginx.conf': 'events {}\nhttp {\n    include missing.conf;\n    upstream backend { server 10.0.1.1:8080; }\n}\n' });
    // Act
    const got = await collectNginx({ name: 'edge', config: join(dir, 'nginx.conf') }, 5000);
    // Assess
    expect(got.notes).toEqual([`nginx edge: nginx -T failed (nginx: [emerg] open() "${dir}/missing.conf" failed (2: No such file or directory) in ${dir}/nginx.conf:3); read the files instead`]);
    expect(got.files).toEqual({ 'nginx/edge.conf': `# configuration file ${dir}/nginx.conf:\n${readFileSync(join(dir, 'nginx.conf'), 'utf8')}\n` });
  });

  it('analyzes a fixture configuration read from its file exactly as the fixture bundle', async () => {
    // Prepare
    tree({ 'edge.conf': readFileSync(join(FIXTURES, 'nginx-round-robin', 'nginx', 'edge.conf'), 'utf8') });
    const service = ServiceSchema.parse({ name: 'checkout', hosts: ['shop.example.com'], paths: ['/', '/cart'], sessionTimeoutSeconds: 3600, nginx: [{ name: 'edge', config: join(dir, 'edge.conf'), binary: join(dir, 'no-such-nginx') }] });
    // Act
    const report = analyze(parseBundle(await collect(service, { layers: ['nginx'] })));
    // Assess
    expect(report.findings.map((f) => [f.id, f.cause, f.severity])).toEqual([['nginx.edge.backend.no-affinity', 'cookie-not-set', 'critical']]);
  });

  it('reads each file once through an include loop, leaves out includes it cannot read, and follows none from a file that does not parse', async () => {
    // Prepare
    tree({
      'nginx.conf': 'events {}\nhttp {\n    include loop-a.conf;\n    include broken.conf;\n    include gone.conf;\n    include empty.d/*.conf;\n}\n',
      'loop-a.conf': 'include loop-b.conf;\n',
      'loop-b.conf': 'include loop-a.conf;\n',
      'broken.conf': 'server {\n    include never-read.conf;\n',
      'never-read.conf': 'upstream hidden { server 10.0.9.9:80; }\n',
      'locked.conf': 'upstream locked { server 10.0.8.8:80; }\n',
    });
    writeFileSync(join(dir, 'nginx.conf'), readFileSync(join(dir, 'nginx.conf'), 'utf8').replace('include gone.conf;', 'include gone.conf;\n    include locked.conf;'));
    chmodSync(join(dir, 'locked.conf'), 0o000);
    // Act
    const dump = await dumpFiles(join(dir, 'nginx.conf'));
    // Assess
    expect([...dump.matchAll(/^# configuration file (.*):$/gm)].map((m) => m[1]!.slice(dir.length))).toEqual(
      process.getuid?.() === 0 ? ['/nginx.conf', '/loop-a.conf', '/loop-b.conf', '/broken.conf', '/locked.conf'] : ['/nginx.conf', '/loop-a.conf', '/loop-b.conf', '/broken.conf'],
    );
  });

  it('fails with the file and the reason when the main configuration cannot be read', async () => {
    // Act
    const failure = collectNginx({ name: 'edge', config: join(dir, 'absent.conf'), binary: join(dir, 'no-such-nginx') }, 5000);
    // Assess
    await expect(failure).rejects.toThrow(ProviderError);
    await expect(failure).rejects.toThrow(`cannot read ${join(dir, 'absent.conf')} (ENOENT)`);
  });
});

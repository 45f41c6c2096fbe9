import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { parseDocument } from 'yaml';
import { CatalogError, loadCatalog } from '../catalog/catalog.ts';

const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * A catalog entry with every field explained, valid as written: the required fields filled in,
 * the optional ones and the layers commented out, for a person to uncomment what stands in front
 * of the service. `list` writes it as an item of a YAML list (a catalog file), else as the
 * mapping a folder catalog's file holds.
 */
export function entryTemplate(name: string, host: string, list: boolean): string {
  const fields: [string, string][] = [
    [`name: ${name}`, `what \`sticky check ${name}\` takes: [a-z0-9][a-z0-9-]{0,62}`],
    [`hosts: [${host}]`, 'the host names clients use'],
    ['paths: ["/"]', 'the paths whose requests must stay on one backend'],
    ['sessionTimeoutSeconds: 3600', 'how long the application keeps an idle session, in seconds'],
    ['clients: public', 'public (phones, NAT, proxies: addresses change or are shared) | internal'],
    ['tls: true', 'clients reach the service over HTTPS'],
    ['crossSite: false', 'the app is used inside another site (iframes, CORS with cookies)'],
    ['websocketPaths: []', 'paths that open WebSockets, e.g. ["/ws"]'],
    ['# sessionCookie: JSESSIONID', 'the application\'s own session cookie (hash-based fixes use it)'],
    ['# approvers: [U024BE7LH, S0614TZR7]', 'Slack users (U…) or user groups (S…) who may approve fixes'],
    ['# slackChannel: C0123456789', 'where triages started by a CloudWatch alarm are posted'],
  ];
  const width = Math.min(40, Math.max(...fields.map(([f]) => f.length)) + 2);
  const lines = [
    ...fields.map(([f, c]) => `${f.padEnd(width)}# ${c}`),
    '# The layers `sticky check` collects: uncomment those that stand in front of the service.',
    '# aws: { region: eu-west-1, targetGroupArns: ["arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/NAME/ID"] }',
    `# kubernetes: { namespace: default, ingress: ${name}, service: ${name}, deployment: ${name} }`,
    '# haproxy: [{ name: edge1, config: /etc/haproxy/haproxy.cfg, runtime: /run/haproxy/admin.sock, pidFile: /run/haproxy.pid }]',
    '# nginx: [{ name: edge, config: /etc/nginx/nginx.conf }]',
    `# probe: { url: "https://${host}/", backendHeader: X-Backend-Server, requests: 20 }`,
  ];
  const head = `# ${name}: written by \`sticky init\`; README.md ("The catalog") and sticky.config.example.yaml explain each field.`;
  return `${head}\n${lines.map((l, i) => (list ? `${i === 0 ? '- ' : '  '}${l}` : l)).join('\n')}\n`;
}

/** Writes a new file, refusing to overwrite; a failure is a {@link CatalogError} naming the file. */
async function create(file: string, text: string): Promise<void> {
  try {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, text, { flag: 'wx' });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CatalogError(`${file}: ${code === 'EEXIST' ? 'exists already' : `cannot write (${code ?? (e as Error).message})`}`, { cause: e });
  }
}

/** Replaces a file's text in one step (a temporary file renamed over it). */
async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = join(dirname(file), `.${randomBytes(4).toString('hex')}.sticky-init.tmp`);
  try {
    await writeFile(tmp, text, { flag: 'wx' });
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new CatalogError(`${file}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { cause: e });
  }
}

/** Refuses a name the catalog has already, and proves the new catalog loads before it is kept. */
async function checked(path: string, name: string, write: () => Promise<string>, undo: () => Promise<void>): Promise<string> {
  const before = await loadCatalog(path);
  if (before.services.some((s) => s.name === name)) throw new CatalogError(`${path}: service "${name}" is there already; pick another name or edit it`);
  const file = await write();
  try {
    await loadCatalog(path);
  } catch (e) {
    await undo();
    throw e;
  }
  return file;
}

/**
 * `sticky init <name>`: adds a commented entry to the catalog. No catalog yet: creates the file
 * (a `.yaml`/`.yml` path) or a folder with `<name>.yaml` in it. A catalog file holding a YAML list
 * (or the empty `[]`) gets the entry appended; a folder catalog gets a new file. Nothing is
 * overwritten, a name that exists is refused, and the catalog must still load afterwards or the
 * change is undone.
 */
export async function initCatalogEntry(path: string, name: string, host = `${name}.example.com`): Promise<{ file: string; created: boolean }> {
  if (!NAME.test(name)) throw new CatalogError(`"${name}" cannot be a service name: use lower-case letters, digits and "-" ([a-z0-9][a-z0-9-]{0,62})`);
  const info = await stat(path).catch(() => undefined);
  const isFile = ['.yaml', '.yml'].includes(extname(path));
  if (!info) {
    const file = isFile ? path : join(path, `${name}.yaml`);
    await create(file, isFile ? `# The service catalog of sticky: a YAML list of services (README.md "The catalog", docs/cli.md).\n${entryTemplate(name, host, true)}` : entryTemplate(name, host, false));
    await loadCatalog(path);
    return { file, created: true };
  }
  if (info.isDirectory()) {
    const file = join(path, `${name}.yaml`);
    await checked(path, name, async () => {
      await create(file, entryTemplate(name, host, false));
      return file;
    }, () => rm(file, { force: true }));
    return { file, created: true };
  }
  const text = await readFile(path, 'utf8');
  const value = parseDocument(text).toJS({ maxAliasCount: 100 }) as unknown;
  const emptyFlow = Array.isArray(value) && value.length === 0 && /^\s*\[\s*\]\s*$/m.test(text);
  if (!Array.isArray(value) || (value.length === 0 && !emptyFlow) || (value.length > 0 && /^\s*\[/m.test(text.replace(/^\s*#.*$/gm, '')))) {
    throw new CatalogError(`${path} is not a block list of services that an entry can be appended to; add this entry by hand:\n${entryTemplate(name, host, true)}`);
  }
  const next = emptyFlow
    ? text.replace(/^\s*\[\s*\]\s*$/m, entryTemplate(name, host, true).trimEnd())
    : `${text.replace(/\n*$/, '\n')}\n${entryTemplate(name, host, true)}`;
  await checked(path, name, async () => {
    await writeAtomically(path, next);
    return path;
  }, () => writeAtomically(path, text));
  return { file: path, created: false };
}

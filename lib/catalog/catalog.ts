import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { parseLocatedYaml } from '../evidence/yaml-lines.ts';
import { LAYERS, type Layer } from '../evidence/layers.ts';
import { ServiceSchema, type Service } from '../evidence/service.ts';
import { formatIssues } from '../evidence/zod-format.ts';
import { closest } from '../text/suggest.ts';

/**
 * Raised when the catalog cannot be read or is invalid: the message names the file, line and
 * field. The CLI maps it to exit code 2.
 */
export class CatalogError extends Error {
  override readonly name = 'CatalogError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** `sticky.config.yaml`: a list of service entries. */
export const CatalogListSchema = z.array(ServiceSchema);

/** `sticky.config.yaml` written as `{ services: [...] }`. */
export const CatalogObjectSchema = z.strictObject({ services: z.array(ServiceSchema) });

/** The services Sticky knows, by name, with the file each came from. */
export interface Catalog {
  source: string;
  services: Service[];
}

/** The default catalog file name, looked up in the working folder. */
export const DEFAULT_CATALOG = 'sticky.config.yaml';

/** A catalog kept outside the package: an S3 object (`s3://bucket/key`) or an SSM parameter (`ssm:/name`). */
export const isRemoteCatalog = (location: string): boolean => /^(s3:\/\/|ssm:)/.test(location);

/**
 * Where the catalog is: `--catalog`, else `STICKY_CATALOG`, else `./sticky.config.yaml`. A file
 * path is made absolute; an `s3://` or `ssm:` location is returned as it is.
 */
export function catalogPath(flag: string | undefined, env: NodeJS.ProcessEnv, cwd = process.cwd()): string {
  const location = flag ?? env.STICKY_CATALOG ?? DEFAULT_CATALOG;
  return isRemoteCatalog(location) ? location : resolve(cwd, location);
}

/**
 * Makes the config, runtime-socket and pid paths of a service relative to the catalog's folder
 * absolute. Entries reached through SSM keep their paths: those are paths on the instance.
 */
function anchor(service: Service, base: string): Service {
  const abs = (p: string) => (isAbsolute(p) || /^(ipv4|ipv6|unix|abns)@/.test(p) || /^[\w.-]+:\d+$/.test(p) ? p : join(base, p));
  return {
    ...service,
    ...(service.haproxy ? { haproxy: service.haproxy.map((h) => (h.ssm ? h : { ...h, config: abs(h.config), ...(h.runtime ? { runtime: abs(h.runtime) } : {}), ...(h.pidFile ? { pidFile: abs(h.pidFile) } : {}) })) } : {}),
    ...(service.nginx ? { nginx: service.nginx.map((n) => (n.ssm ? n : { ...n, config: abs(n.config) })) } : {}),
  };
}

async function readServiceFile(file: string): Promise<Service[]> {
  const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new CatalogError(`${file}: cannot read (${e.code ?? e.message})`, { cause: e });
  });
  return parseCatalogText(text, file).map((s) => anchor(s, dirname(file)));
}

/**
 * Validates catalog text (a list of entries, `{ services: [...] }` or one entry): every problem
 * is reported as `source:line: field: reason` in one {@link CatalogError}. Paths stay as written.
 */
export function parseCatalogText(text: string, file: string): Service[] {
  const doc = parseLocatedYaml(text);
  if (doc.errors.length > 0) throw new CatalogError(doc.errors.map((e) => `${file}:${e.line}: ${e.message}`).join('\n'));
  const v = doc.value;
  const schema = Array.isArray(v) ? CatalogListSchema : typeof v === 'object' && v !== null && 'services' in v ? CatalogObjectSchema : ServiceSchema;
  const parsed = schema.safeParse(v ?? {});
  if (!parsed.success) throw new CatalogError(formatIssues(parsed.error, file, doc.lineOf));
  const data = parsed.data;
  return Array.isArray(data) ? data : 'services' in data ? data.services : [data];
}

function checkUnique(source: string, services: Service[]): void {
  const seen = new Set<string>();
  for (const s of services) {
    if (seen.has(s.name)) throw new CatalogError(`${source}: service "${s.name}" is defined twice`);
    seen.add(s.name);
  }
}

/**
 * Loads the catalog from a YAML file (a list of service entries), a folder of service files
 * (`*.yaml`, one entry each), an S3 object (`s3://bucket/key`) or an SSM parameter
 * (`ssm:/name`), so the deployed bot's catalog can change without a redeploy. Duplicate names
 * are an error: a name must say which service.
 */
export async function loadCatalog(path: string): Promise<Catalog> {
  if (isRemoteCatalog(path)) {
    const services = parseCatalogText(await (await import('./remote.ts')).readRemoteCatalog(path), path);
    checkUnique(path, services);
    return { source: path, services };
  }
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new CatalogError(`${path}: no catalog here: \`sticky init <service>\` writes one (sticky.config.example.yaml shows complete entries), or pass --catalog PATH or set STICKY_CATALOG`);
  let services: Service[];
  if (info.isDirectory()) {
    const names = (await readdir(path)).filter((n) => /\.ya?ml$/.test(n)).sort();
    services = (await Promise.all(names.map((n) => readServiceFile(join(path, n))))).flat();
  } else services = await readServiceFile(path);
  checkUnique(path, services);
  return { source: path, services };
}

/** Catalog names closest to a mistyped one (edit distance ≤ 3 or a shared prefix), best first. */
export function closestNames(catalog: Catalog, name: string, max = 3): string[] {
  return closest(catalog.services.map((s) => s.name), name, max);
}

/** Finds a service by name; an unknown name is a {@link CatalogError} that suggests the closest ones. */
export function findService(catalog: Catalog, name: string): Service {
  const s = catalog.services.find((x) => x.name === name);
  if (s) return s;
  const close = closestNames(catalog, name);
  throw new CatalogError(`no service "${name}" in ${catalog.source}${close.length ? `; did you mean ${close.join(', ')}?` : ''}`);
}

/** The layers a catalog entry lets the live check collect, in the report's layer order. */
export function layersOf(s: Service): Layer[] {
  const has: Record<Layer, boolean> = { aws: !!s.aws, haproxy: !!s.haproxy?.length, kubernetes: !!s.kubernetes, nginx: !!s.nginx?.length, probe: !!s.probe };
  return LAYERS.filter((l) => has[l]);
}

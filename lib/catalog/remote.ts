import { CatalogError, isRemoteCatalog, loadCatalog, type Catalog } from './catalog.ts';

/** Where a remote catalog lives, parsed from `s3://bucket/key` or `ssm:/parameter/name`. */
export type RemoteCatalog = { kind: 's3'; bucket: string; key: string } | { kind: 'ssm'; name: string };

/** Parses a remote catalog location; anything else is a {@link CatalogError} saying what is accepted. */
export function parseRemoteLocation(location: string): RemoteCatalog {
  const s3 = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+)$/.exec(location);
  if (s3) return { kind: 's3', bucket: s3[1]!, key: s3[2]! };
  const ssm = /^ssm:(\/?[A-Za-z0-9_.\-/]{1,2047})$/.exec(location);
  if (ssm && !ssm[1]!.endsWith('/')) return { kind: 'ssm', name: ssm[1]! };
  throw new CatalogError(`${location}: not a catalog location (s3://bucket/key or ssm:/parameter/name)`);
}

function reasonOf(e: unknown): string {
  const { name = 'Error', message = '' } = e as { name?: string; message?: string };
  if (!message) return name;
  return message.startsWith(name) ? message : `${name}: ${message}`;
}

/**
 * Reads a catalog's text from S3 (GetObject) or SSM Parameter Store (GetParameter, decrypted,
 * so a SecureString works too). The region is the SDK's default (the Lambda's own region). A
 * missing object or parameter, or a denied read, is a {@link CatalogError} naming the location.
 */
export async function readRemoteCatalog(location: string): Promise<string> {
  const where = parseRemoteLocation(location);
  try {
    if (where.kind === 's3') {
      const { S3Client, GetObjectCommand } = await import('@aws-sdk/client-s3');
      const r = await new S3Client({}).send(new GetObjectCommand({ Bucket: where.bucket, Key: where.key }));
      if (!r.Body) throw new CatalogError(`${location}: the object has no body`);
      return await r.Body.transformToString('utf8');
    }
    const { SSMClient, GetParameterCommand } = await import('@aws-sdk/client-ssm');
    const r = await new SSMClient({}).send(new GetParameterCommand({ Name: where.name, WithDecryption: true }));
    if (r.Parameter?.Value === undefined) throw new CatalogError(`${location}: the parameter has no value`);
    return r.Parameter.Value;
  } catch (e) {
    if (e instanceof CatalogError) throw e;
    throw new CatalogError(`${location}: cannot read (${reasonOf(e)})`, { cause: e });
  }
}

/** Options of {@link catalogLoader}. */
export interface CatalogLoaderOptions {
  /** How long a remote catalog is reused before it is read again (default 60 s). */
  ttlMs?: number;
  now?: () => number;
  /** Where a failed reload is reported while the last good catalog keeps serving. */
  onStale?: (error: Error) => void;
}

/**
 * The catalog of a long-running process (a warm Lambda): a packaged file is read once; a remote
 * catalog (S3 or SSM) is validated on every load and cached for `ttlMs`, so an edit is live
 * within a minute without a redeploy. When a reload fails (a bad edit, a throttled read), the
 * last valid catalog keeps serving and the error is reported; with no valid catalog yet, the
 * error is thrown.
 */
export function catalogLoader(location: string, o: CatalogLoaderOptions = {}): () => Promise<Catalog> {
  const ttl = o.ttlMs ?? 60_000;
  const now = o.now ?? Date.now;
  const onStale = o.onStale ?? ((e: Error) => console.error(JSON.stringify({ message: 'catalog reload failed; serving the last valid one', error: e.message })));
  let good: { catalog: Catalog; at: number } | undefined;
  let loading: Promise<Catalog> | undefined;
  return () => {
    if (good && (!isRemoteCatalog(location) || now() - good.at < ttl)) return Promise.resolve(good.catalog);
    loading ??= loadCatalog(location)
      .then((catalog) => {
        good = { catalog, at: now() };
        return catalog;
      })
      .catch((e: Error) => {
        if (!good) throw e;
        onStale(e);
        good = { catalog: good.catalog, at: now() - ttl + Math.min(ttl, 10_000) };
        return good.catalog;
      })
      .finally(() => {
        loading = undefined;
      });
    return loading;
  };
}

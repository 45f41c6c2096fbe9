import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';

/** The IAM actions reaching an EKS cluster needs (the cluster's access entry grants the RBAC). */
export const EKS_IAM_ACTIONS = ['eks:DescribeCluster'];

/** AWS credentials for signing. */
export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** SHA-256 (and HMAC-SHA-256 with a secret) in the shape the SigV4 signer expects. */
type Data = string | ArrayBuffer | ArrayBufferView;
const bytes = (d: Data): string | Uint8Array => (typeof d === 'string' ? d : d instanceof ArrayBuffer ? new Uint8Array(d) : new Uint8Array(d.buffer, d.byteOffset, d.byteLength));

class NodeSha256 {
  private readonly h: Hash | Hmac;
  constructor(secret?: Data) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: Data): void {
    this.h.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
}

/**
 * An EKS bearer token, as `aws eks get-token` makes it: a presigned STS GetCallerIdentity URL
 * (valid 60 s, the cluster name signed in `x-k8s-aws-id`), base64url-encoded behind
 * `k8s-aws-v1.`. The API server checks it with STS and maps the role to RBAC.
 */
export async function eksToken(cluster: string, region: string, credentials: Credentials, now = new Date()): Promise<string> {
  const { SignatureV4 } = await import('@smithy/signature-v4');
  const signer = new SignatureV4({ credentials, region, service: 'sts', sha256: NodeSha256, uriEscapePath: true, applyChecksum: false });
  const hostname = `sts.${region}.amazonaws.com`;
  const signed = await signer.presign(
    { method: 'GET', protocol: 'https:', hostname, path: '/', query: { Action: 'GetCallerIdentity', Version: '2011-06-15' }, headers: { host: hostname, 'x-k8s-aws-id': cluster } } as never,
    { expiresIn: 60, signingDate: now },
  );
  const query = Object.entries(signed.query as Record<string, string>).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  return `k8s-aws-v1.${Buffer.from(`https://${hostname}/?${query}`).toString('base64url')}`;
}

/**
 * A kubeconfig for an EKS cluster from where Sticky runs in AWS (no kubeconfig file there):
 * the endpoint and CA from DescribeCluster, a fresh token from the function's role.
 */
export async function eksKubeConfig(cluster: string, region: string): Promise<KubeConfig> {
  const [{ EKSClient, DescribeClusterCommand }, { defaultProvider }, k8s] = await Promise.all([
    import('@aws-sdk/client-eks'), import('@aws-sdk/credential-provider-node'), import('@kubernetes/client-node'),
  ]);
  const c = (await new EKSClient({ region }).send(new DescribeClusterCommand({ name: cluster }))).cluster;
  if (!c?.endpoint || !c.certificateAuthority?.data) throw new Error(`EKS cluster ${cluster} has no endpoint or certificate yet`);
  const token = await eksToken(cluster, region, await defaultProvider()());
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: cluster, server: c.endpoint, caData: c.certificateAuthority.data }],
    users: [{ name: 'sticky', token }],
    contexts: [{ name: cluster, cluster, user: 'sticky' }],
    currentContext: cluster,
  });
  return kc;
}

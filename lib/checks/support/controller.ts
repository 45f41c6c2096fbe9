import { memo1 } from './memo.ts';
import { albTargetGroup, type AlbTargetGroup } from './alb.ts';
import { ingressController, ingressRoutes, kubeIndex, objectLabel } from './kubernetes.ts';
import type { Evidence } from '../../evidence/bundle.ts';
import type { KubeObject } from '../../evidence/kubernetes.ts';
import { cite, lineOf } from '../../evidence/source.ts';
import { actionServiceNames, albAction } from './alb-annotations.ts';

/** The tag the AWS Load Balancer Controller puts on everything it creates. */
export const CLUSTER_TAG = 'elbv2.k8s.aws/cluster';

/** Where the controller reads a Service's NLB target group attributes from. */
export const SERVICE_TG_ATTRIBUTES = 'service.beta.kubernetes.io/aws-load-balancer-target-group-attributes';

/**
 * An ELB resource the AWS Load Balancer Controller owns: it reconciles it from Kubernetes
 * annotations and reverts any change made through the ELB API, so a fix must change the
 * annotation. `target` is the Kubernetes side when the bundle holds it.
 */
export interface ControllerOwner {
  cluster: string;
  kind: 'ingress' | 'service';
  /** `ingress.k8s.aws/stack` (`namespace/name` of the Ingress, or the IngressGroup's name) or `service.k8s.aws/stack`. */
  stack: string;
  /** `ingress.k8s.aws/resource` (`namespace/ingress-service:port` for a target group) or `service.k8s.aws/resource`. */
  resource: string | undefined;
  /** The tags, cited from aws/describe-tags.json. */
  evidence: string;
  /** How a person finds the annotation to change: `Ingress shop/web (Service checkout, port 80)`. */
  describe: string;
  /** The ALB target group view of an Ingress backend, when the Ingress is in the bundle. */
  albTarget?: AlbTargetGroup;
  /** The Service whose annotations make an NLB target group, when it is in the bundle. */
  service?: KubeObject;
}

/** Every resource's tags from aws/describe-tags.json, by ARN. */
export const tagsByArn = memo1((ev: Evidence): Map<string, Map<string, string>> =>
  new Map((ev.aws.tags?.data.TagDescriptions ?? []).map((d) => [d.ResourceArn, new Map(d.Tags.map((t) => [t.Key, t.Value]))])),
);

/** The ALB Ingress backend a target group's `ingress.k8s.aws/resource` (`ns/ingress-service:port`) names, found among the bundle's Ingresses. */
function ingressBackend(ev: Evidence, resource: string): { ing: KubeObject; service: string; port: string } | undefined {
  const index = kubeIndex(ev.kubernetes);
  const colon = resource.lastIndexOf(':');
  const head = colon < 0 ? resource : resource.slice(0, colon);
  const port = colon < 0 ? '' : resource.slice(colon + 1);
  let best: { ing: KubeObject; service: string; port: string } | undefined;
  for (const ing of index.ofKind('Ingress')) {
    const prefix = `${ing.namespace ?? ''}/${ing.name}-`;
    if (!head.startsWith(prefix) || ingressController(index, ing) !== 'alb') continue;
    const service = head.slice(prefix.length);
    const served = ingressRoutes(ev.kubernetes, ev.service).filter((r) => r.ingress === ing).flatMap((r) => (r.backendPort === 'use-annotation' && r.backendService ? actionServiceNames(albAction(ing, r.backendService)) : [r.backendService ?? '']));
    if (served.includes(service) && (!best || ing.name.length > best.ing.name.length)) best = { ing, service, port };
  }
  return best;
}

/**
 * Whether the AWS Load Balancer Controller owns an ELB resource (its `elbv2.k8s.aws/cluster`
 * tag with an `ingress.k8s.aws/*` or `service.k8s.aws/*` stack), and which Kubernetes object
 * carries the annotations that make it.
 */
export function controllerOwner(ev: Evidence, arn: string): ControllerOwner | undefined {
  const tags = tagsByArn(ev).get(arn);
  const cluster = tags?.get(CLUSTER_TAG);
  if (!tags || cluster === undefined) return undefined;
  const ingressStack = tags.get('ingress.k8s.aws/stack');
  const serviceStack = tags.get('service.k8s.aws/stack');
  if (ingressStack === undefined && serviceStack === undefined) return undefined;
  const f = ev.aws.tags!;
  const line = lineOf(f.text, arn);
  const kind = ingressStack !== undefined ? 'ingress' : 'service';
  const stack = (ingressStack ?? serviceStack)!;
  const resource = tags.get(`${kind}.k8s.aws/resource`);
  const evidence = cite({ file: f.file, ...(line !== undefined ? { line } : {}) }, `${arn.split(':').pop()}: ${CLUSTER_TAG}=${cluster}, ${kind}.k8s.aws/stack=${stack}${resource ? `, ${kind}.k8s.aws/resource=${resource}` : ''}`);
  const owner: ControllerOwner = { cluster, kind, stack, resource, evidence, describe: '' };
  if (kind === 'ingress') {
    const found = resource ? ingressBackend(ev, resource) : undefined;
    if (found) {
      owner.albTarget = albTargetGroup(ev.kubernetes, found.ing, found.service, found.port);
      owner.describe = `${objectLabel(found.ing)} (Service ${found.service}${found.port ? `, port ${found.port}` : ''})`;
    } else if (stack.includes('/') && resource?.startsWith(`${stack}-`)) {
      const rest = resource.slice(stack.length + 1);
      owner.describe = `Ingress ${stack} (Service ${rest.slice(0, rest.lastIndexOf(':') < 0 ? undefined : rest.lastIndexOf(':'))})`;
    } else if (stack.includes('/')) {
      owner.describe = `Ingress ${stack}`;
    } else {
      owner.describe = `the Ingresses of IngressGroup ${stack}${resource && resource !== 'LoadBalancer' ? ` (${resource})` : ''}`;
    }
  } else {
    const [ns, name] = stack.includes('/') ? stack.split('/', 2) : [undefined, stack];
    owner.service = kubeIndex(ev.kubernetes).get('Service', ns, name);
    owner.describe = `Service ${stack}`;
  }
  return owner;
}

import type { KubeApiDouble } from './kube-api-double.ts';
import type { AwsModel } from './aws-fake.ts';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ATTRS = 'alb.ingress.kubernetes.io/target-group-attributes';
const SERVICE_ATTRS = 'service.beta.kubernetes.io/aws-load-balancer-target-group-attributes';
const parse = (v: string | undefined) => new Map((v ?? '').split(',').map((x) => x.trim()).filter(Boolean).map((x) => [x.slice(0, x.indexOf('=')), x.slice(x.indexOf('=') + 1)] as [string, string]));

/**
 * A stand-in for the AWS Load Balancer Controller's reconcile loop, as far as Sticky's fixes
 * need it: when an Ingress or Service stored in the Kubernetes double changes, every target
 * group of the AWS model whose `ingress.k8s.aws/resource` tag names that Ingress and Service
 * (`namespace/ingress-service:port`) gets the attributes of their merged
 * `target-group-attributes` (the Service's annotation winning), as the controller sets them; a
 * target group made for a Service (`service.k8s.aws/stack` `namespace/name`) gets that Service's
 * `service.beta.kubernetes.io/aws-load-balancer-target-group-attributes`.
 * Nothing else the controller does (target types, actions, health checks) is modelled.
 */
export function albControllerDouble(kube: KubeApiDouble, model: AwsModel): void {
  kube.onWrite = (kind) => {
    if (kind !== 'Ingress' && kind !== 'Service') return;
    for (const [arn, tags] of model.tags) {
      if (!tags.some((t) => t.Key === 'elbv2.k8s.aws/cluster') || !model.targetGroups.some((t) => t.TargetGroupArn === arn)) continue;
      const tag = (k: string) => tags.find((t) => t.Key === k)?.Value;
      let wanted: Map<string, string>;
      const resource = tag('ingress.k8s.aws/resource');
      const stack = tag('service.k8s.aws/stack');
      if (resource?.includes(':')) {
        const [ns, rest] = [resource.slice(0, resource.indexOf('/')), resource.slice(resource.indexOf('/') + 1, resource.lastIndexOf(':'))];
        const ing = [...kube.objects.values()].find((o: Obj) => o.kind === 'Ingress' && o.metadata.namespace === ns && rest.startsWith(`${o.metadata.name}-`));
        if (!ing) continue;
        const svc = kube.get('Service', ns, rest.slice(ing.metadata.name.length + 1));
        wanted = parse(svc?.metadata.annotations?.[ATTRS] ?? ing.metadata.annotations?.[ATTRS]);
      } else if (stack?.includes('/')) {
        const svc = kube.get('Service', stack.slice(0, stack.indexOf('/')), stack.slice(stack.indexOf('/') + 1));
        if (!svc) continue;
        wanted = parse(svc.metadata.annotations?.[SERVICE_ATTRS]);
      } else continue;
      const attrs = model.attributes.get(arn) ?? [];
      for (const [k, v] of wanted) {
        const hit = attrs.find((a) => a.Key === k);
        if (hit) hit.Value = v;
        else attrs.push({ Key: k, Value: v });
      }
      model.attributes.set(arn, attrs);
    }
  };
}

import { stringify } from 'yaml';
import type { Service } from '../../evidence/service.ts';
import { hostMatches } from '../../checks/support/kubernetes.ts';
import { ProviderError } from '../errors.ts';
import { kubeClients, messageOf, statusOf, wire, type KubeClients } from './client.ts';

/** Event reasons that show pods leaving: kills, failed probes, scale-downs, crash loops. */
const EVENT_REASONS = new Set(['Killing', 'Unhealthy', 'ScalingReplicaSet', 'BackOff', 'Preempting', 'Evicted', 'SuccessfulDelete']);

/** Where the ingress-nginx chart puts its controller ConfigMap. */
const CONTROLLER_CONFIGMAP = { namespace: 'ingress-nginx', name: 'ingress-nginx-controller' };

type Obj = Record<string, unknown> & { metadata?: { name?: string; namespace?: string; labels?: Record<string, string> }; spec?: Record<string, unknown> };

const list = (items: Obj[]) => stringify({ apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion: '' } });

/** The Services an AWS Load Balancer Controller forward action (`actions.<name>` JSON) sends to. */
function forwardServices(json: string | undefined): string[] {
  try {
    const a = JSON.parse(json ?? 'null') as { forwardConfig?: { targetGroups?: { serviceName?: string }[] } } | null;
    return (a?.forwardConfig?.targetGroups ?? []).flatMap((t) => (t.serviceName ? [t.serviceName] : []));
  } catch {
    return [];
  }
}

const selector = (labels: Record<string, string> | undefined) => Object.entries(labels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');

/**
 * Collects what decides a service's affinity in the cluster, as `kubectl get -o yaml` prints it:
 * every Ingress serving its hosts (in all namespaces when allowed: affinity applies only to the
 * paths of the Ingress that carries it), the Services behind them, the Deployment or
 * StatefulSet, its ReplicaSets, EndpointSlices, autoscalers, recent pod events, the
 * ingress-nginx controller ConfigMap and the IngressClasses when readable (which controller
 * serves an Ingress). The Services of AWS Load Balancer Controller forward actions are
 * collected like any backend. Optional reads that are forbidden become
 * notes; a forbidden or failing core read fails the layer with the permission it lacks.
 */
export async function collectKubernetes(service: Service, clients?: KubeClients): Promise<{ files: Record<string, string>; notes: string[] }> {
  const loc = service.kubernetes!;
  const c = clients ?? (await kubeClients(loc));
  const ns = loc.namespace;
  const notes: string[] = [];
  const must = async <T>(what: string, verb: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      const code = statusOf(e);
      if (code === 403) throw new ProviderError(`missing permission: ${verb} ${what}`, { cause: e });
      throw new ProviderError(`${verb} ${what} failed: ${code ? `${code} ` : ''}${messageOf(e)}`, { cause: e });
    }
  };
  const may = async <T>(what: string, verb: string, fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await fn();
    } catch (e) {
      const code = statusOf(e);
      if (code !== 404) notes.push(`kubernetes: ${verb} ${what} not collected: ${code === 403 ? 'forbidden' : messageOf(e)}`);
      return undefined;
    }
  };

  let ingresses = (await may('ingresses in all namespaces', 'list', () => c.networking.listIngressForAllNamespaces()))?.items;
  ingresses ??= (await must(`ingresses in ${ns}`, 'list', () => c.networking.listNamespacedIngress({ namespace: ns }))).items;
  const served = ingresses.filter((i) => (i.spec?.rules ?? []).some((r) => service.hosts.some((h) => hostMatches(r.host, h))) || (loc.ingress && i.metadata?.name === loc.ingress && i.metadata?.namespace === ns));
  const ingressObjs = served.map((i) => wire(i, 'networking.k8s.io/v1', 'Ingress') as Obj);

  const svcNames = new Set<string>();
  for (const i of served) {
    if (i.metadata?.namespace !== ns) continue;
    for (const r of i.spec?.rules ?? []) {
      for (const p of r.http?.paths ?? []) {
        const name = p.backend.service?.name;
        if (!name) continue;
        if (p.backend.service?.port?.name === 'use-annotation') for (const s of forwardServices(i.metadata?.annotations?.[`alb.ingress.kubernetes.io/actions.${name}`])) svcNames.add(s);
        else svcNames.add(name);
      }
    }
    if (i.spec?.defaultBackend?.service?.name) svcNames.add(i.spec.defaultBackend.service.name);
  }
  if (loc.service) svcNames.add(loc.service);
  const found = await Promise.all([...svcNames].map(async (name) => {
    try {
      return await c.core.readNamespacedService({ name, namespace: ns });
    } catch (e) {
      if (statusOf(e) === 403) throw new ProviderError(`missing permission: get service ${ns}/${name}`, { cause: e });
      notes.push(`kubernetes: service ${ns}/${name} ${statusOf(e) === 404 ? 'is referenced but does not exist' : `not collected: ${messageOf(e)}`}`);
      return undefined;
    }
  }));
  const services = found.filter((s) => s !== undefined).map((s) => wire(s, 'v1', 'Service') as Obj);

  const workloads: Obj[] = [];
  if (loc.deployment) workloads.push(wire(await must(`deployment ${ns}/${loc.deployment}`, 'get', () => c.apps.readNamespacedDeployment({ name: loc.deployment!, namespace: ns })), 'apps/v1', 'Deployment') as Obj);
  if (loc.statefulSet) workloads.push(wire(await must(`statefulset ${ns}/${loc.statefulSet}`, 'get', () => c.apps.readNamespacedStatefulSet({ name: loc.statefulSet!, namespace: ns })), 'apps/v1', 'StatefulSet') as Obj);
  if (workloads.length === 0) {
    const selectors = services.map((s) => (s.spec?.selector ?? {}) as Record<string, string>).filter((sel) => Object.keys(sel).length > 0);
    const matches = (labels: Record<string, string> | undefined) => selectors.some((sel) => Object.entries(sel).every(([k, v]) => labels?.[k] === v));
    const deps = (await must(`deployments in ${ns}`, 'list', () => c.apps.listNamespacedDeployment({ namespace: ns }))).items.filter((d) => matches(d.spec?.template.metadata?.labels));
    const sts = (await may(`statefulsets in ${ns}`, 'list', () => c.apps.listNamespacedStatefulSet({ namespace: ns })))?.items.filter((d) => matches(d.spec?.template.metadata?.labels)) ?? [];
    workloads.push(...deps.map((d) => wire(d, 'apps/v1', 'Deployment') as Obj), ...sts.map((d) => wire(d, 'apps/v1', 'StatefulSet') as Obj));
  }

  const replicaSets: Obj[] = [];
  for (const w of workloads.filter((x) => x.kind === 'Deployment')) {
    const sel = selector((w.spec?.selector as { matchLabels?: Record<string, string> } | undefined)?.matchLabels);
    const rs = await may(`replicasets of ${w.metadata?.name}`, 'list', () => c.apps.listNamespacedReplicaSet({ namespace: ns, ...(sel ? { labelSelector: sel } : {}) }));
    for (const r of rs?.items ?? []) if ((r.metadata?.ownerReferences ?? []).some((o) => o.kind === 'Deployment' && o.name === w.metadata?.name)) replicaSets.push(wire(r, 'apps/v1', 'ReplicaSet') as Obj);
  }
  const slices: Obj[] = [];
  for (const s of services) {
    const got = await may(`endpointslices of ${s.metadata?.name}`, 'list', () => c.discovery.listNamespacedEndpointSlice({ namespace: ns, labelSelector: `kubernetes.io/service-name=${s.metadata?.name}` }));
    slices.push(...(got?.items ?? []).map((e) => wire(e, 'discovery.k8s.io/v1', 'EndpointSlice') as Obj));
  }
  const names = new Set(workloads.map((w) => w.metadata?.name));
  const hpas = ((await may(`horizontalpodautoscalers in ${ns}`, 'list', () => c.autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace: ns })))?.items ?? [])
    .filter((h) => names.has(h.spec?.scaleTargetRef.name))
    .map((h) => wire(h, 'autoscaling/v2', 'HorizontalPodAutoscaler') as Obj);
  const events = ((await may(`events in ${ns}`, 'list', () => c.core.listNamespacedEvent({ namespace: ns })))?.items ?? [])
    .filter((e) => EVENT_REASONS.has(e.reason ?? '') && [...names].some((n) => n && (e.involvedObject.name === n || e.involvedObject.name?.startsWith(`${n}-`))))
    .map((e) => wire(e, 'v1', 'Event') as Obj);
  const cm = await may('the ingress-nginx controller configmap', 'get', () => c.core.readNamespacedConfigMap(CONTROLLER_CONFIGMAP));
  const classes = ingressObjs.length > 0 ? ((await may('ingressclasses', 'list', () => c.networking.listIngressClass()))?.items ?? []).map((x) => wire(x, 'networking.k8s.io/v1', 'IngressClass') as Obj) : [];

  const files: Record<string, string> = {
    'kubernetes/ingresses.yaml': list(ingressObjs),
    'kubernetes/services.yaml': list(services),
    'kubernetes/workloads.yaml': list([...workloads, ...replicaSets]),
  };
  if (slices.length) files['kubernetes/endpointslices.yaml'] = list(slices);
  if (hpas.length) files['kubernetes/autoscalers.yaml'] = list(hpas);
  if (events.length) files['kubernetes/events.yaml'] = list(events);
  if (cm) files['kubernetes/ingress-nginx-controller.yaml'] = stringify(wire(cm, 'v1', 'ConfigMap'));
  if (classes.length) files['kubernetes/ingressclasses.yaml'] = list(classes);
  return { files, notes };
}

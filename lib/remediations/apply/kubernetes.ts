import type { Report } from '../../checks/analyze.ts';
import type { Service } from '../../evidence/service.ts';
import type { KubeClients } from '../../providers/kubernetes/client.ts';
import { messageOf, statusOf } from '../../providers/kubernetes/errors.ts';
import type { Plan } from '../types.ts';
import { ApplyError, DriftError, ValidationError, UncertainWriteError, NotApplicableError } from './errors.ts';

type Obj = Record<string, unknown>;
interface PatchTarget {
  kind: 'Ingress' | 'Service' | 'Deployment' | 'StatefulSet';
  namespace: string;
  name: string;
  patchType: 'merge' | 'strategic';
  patch: Obj;
  rollbackPatch: Obj;
}

const API_VERSION: Record<PatchTarget['kind'], string> = { Ingress: 'networking.k8s.io/v1', Service: 'v1', Deployment: 'apps/v1', StatefulSet: 'apps/v1' };

async function k8s() {
  return import('@kubernetes/client-node');
}

/** The client helpers, loaded only when a Kubernetes plan is dry-run or applied. */
async function client() {
  return import('../../providers/kubernetes/client.ts');
}

/** Reads the live object in its wire shape. */
async function read(c: KubeClients, t: PatchTarget): Promise<Obj> {
  const args = { name: t.name, namespace: t.namespace };
  const obj =
    t.kind === 'Ingress' ? await c.networking.readNamespacedIngress(args)
      : t.kind === 'Service' ? await c.core.readNamespacedService(args)
        : t.kind === 'Deployment' ? await c.apps.readNamespacedDeployment(args)
          : await c.apps.readNamespacedStatefulSet(args);
  return (await client()).wire(obj, API_VERSION[t.kind], t.kind);
}

/**
 * Sends a patch with the content type its body needs: `application/merge-patch+json` or
 * `application/strategic-merge-patch+json`. (The client's default, JSON-patch, is wrong for an
 * object body.) `dryRun` asks the API server to validate and admit it without storing it.
 */
async function send(c: KubeClients, t: PatchTarget, body: Obj, dryRun: boolean): Promise<void> {
  const { PatchStrategy, setHeaderOptions } = await k8s();
  const options = setHeaderOptions('Content-Type', t.patchType === 'merge' ? PatchStrategy.MergePatch : PatchStrategy.StrategicMergePatch);
  const args = { name: t.name, namespace: t.namespace, body, ...(dryRun ? { dryRun: 'All' } : {}) };
  if (t.kind === 'Ingress') await c.networking.patchNamespacedIngress(args, options);
  else if (t.kind === 'Service') await c.core.patchNamespacedService(args, options);
  else if (t.kind === 'Deployment') await c.apps.patchNamespacedDeployment(args, options);
  else await c.apps.patchNamespacedStatefulSet(args, options);
}

/**
 * Whether the live object still holds what the plan's rollback restores, i.e. what was
 * collected: every leaf of the rollback patch must match (`null` meaning absent); lists of
 * named objects (containers) are matched by name, other lists (a command) must be equal.
 */
export function stillAsCollected(live: unknown, expected: unknown, path = ''): string | undefined {
  if (expected === null) return live === undefined || live === null ? undefined : `${path || '(root)'} is now set`;
  if (Array.isArray(expected)) {
    if (!Array.isArray(live)) return `${path} is not a list any more`;
    if (!expected.every((e) => e && typeof e === 'object' && 'name' in e)) {
      return JSON.stringify(live) === JSON.stringify(expected) ? undefined : `${path} is ${JSON.stringify(live)}, not ${JSON.stringify(expected)}`;
    }
    for (const e of expected as Obj[]) {
      const twin = (live as Obj[]).find((l) => l?.name === e?.name);
      const d = stillAsCollected(twin, e, `${path}[name=${String(e?.name)}]`);
      if (d) return d;
    }
    return undefined;
  }
  if (expected && typeof expected === 'object') {
    for (const [k, v] of Object.entries(expected)) {
      const d = stillAsCollected((live as Obj | undefined)?.[k], v, path ? `${path}.${k}` : k);
      if (d) return d;
    }
    return undefined;
  }
  return live === expected ? undefined : `${path} is ${JSON.stringify(live)}, not ${JSON.stringify(expected)}`;
}

/**
 * The object a plan patches. An object read from a bundle written by hand may carry no
 * namespace (`kubectl get -o yaml` in the current context): it is the catalog's namespace, as
 * for kubectl.
 */
function targetOf(plan: Plan, service: Service): PatchTarget {
  const t = plan.target as unknown as PatchTarget;
  const namespace = t.namespace ?? service.kubernetes?.namespace;
  if (!t.kind || !t.name || !namespace || !t.patch) throw new NotApplicableError(`plan ${plan.id} has no object to patch`);
  return { ...t, namespace };
}

const explain = (e: unknown) => `${statusOf(e) ?? ''} ${messageOf(e)}`.trim();

/**
 * Whether a 403 is RBAC refusing Sticky the verb, rather than an admission webhook refusing the
 * change (webhook denials are 403 unless the webhook picks another code).
 */
const rbacForbidden = (e: unknown) => statusOf(e) === 403 && !messageOf(e).startsWith('admission webhook ');

/**
 * Applies a Kubernetes patch plan: reads the object and refuses if the fields it changes are no
 * longer as collected, sends the patch as a server-side dry run first (nothing is stored when
 * the API server or an admission webhook rejects it), then for real with the live
 * resourceVersion as a precondition (a concurrent change is a 409, reported as drift).
 * {@link rollbackKubernetes} sends the inverse patch.
 */
export async function applyKubernetes(plan: Plan, service: Service, clients?: KubeClients): Promise<string> {
  if (!service.kubernetes) throw new NotApplicableError('the service has no kubernetes section in its catalog entry');
  const c = clients ?? (await (await client()).kubeClients(service.kubernetes));
  const t = targetOf(plan, service);
  let live: Obj;
  try {
    live = await read(c, t);
  } catch (e) {
    throw new ApplyError(`cannot read ${t.kind} ${t.namespace}/${t.name}: ${explain(e)}`, { cause: e });
  }
  const drift = stillAsCollected(live, t.rollbackPatch);
  if (drift) throw new DriftError(`${t.kind} ${t.namespace}/${t.name} changed since the evidence was collected (${drift}); collect again before applying`);
  const rv = (live.metadata as Obj | undefined)?.resourceVersion;
  const body = { ...t.patch, metadata: { ...((t.patch.metadata as Obj | undefined) ?? {}), ...(rv ? { resourceVersion: rv } : {}) } };
  try {
    await send(c, t, body, true);
  } catch (e) {
    if (rbacForbidden(e)) throw new ApplyError(`forbidden: ${messageOf(e)}`, { cause: e });
    throw new ValidationError(`the API server rejected the dry run: ${explain(e)}`);
  }
  try {
    await send(c, t, body, false);
  } catch (e) {
    if (statusOf(e) === 409) throw new DriftError(`${t.kind} ${t.namespace}/${t.name} changed while applying: ${messageOf(e)}`);
    const status = statusOf(e);
    if (status === undefined || status >= 500) throw new UncertainWriteError(`the patch of ${t.kind} ${t.namespace}/${t.name} did not answer cleanly (${explain(e) || 'no answer'})`, { cause: e });
    throw new ApplyError(`patch failed: ${explain(e)}`, { cause: e });
  }
  return `no drift; dry run accepted; ${t.patchType}-patched ${t.kind} ${t.namespace}/${t.name}`;
}

/** Sends the inverse patch of an applied plan. */
export async function rollbackKubernetes(plan: Plan, service: Service, clients?: KubeClients): Promise<void> {
  if (!service.kubernetes) throw new NotApplicableError('the service has no kubernetes section in its catalog entry');
  const t = targetOf(plan, service);
  try {
    await send(clients ?? (await (await client()).kubeClients(service.kubernetes)), t, t.rollbackPatch, false);
  } catch (e) {
    throw new ApplyError(`the rollback patch of ${t.kind} ${t.namespace}/${t.name} failed: ${explain(e)}`, { cause: e });
  }
}

/**
 * Sends every Kubernetes plan of a report as a server-side dry run and records the API
 * server's answer on the plan (`validation`), so a person sees before approving whether the
 * cluster would accept the change.
 */
export async function dryRunKubernetesPlans(report: Report, service: Service, clients?: KubeClients): Promise<void> {
  const plans = report.remediations.filter((p) => p.layer === 'kubernetes' && !p.advice && p.target.patch);
  if (plans.length === 0 || !service.kubernetes) return;
  const c = clients ?? (await (await client()).kubeClients(service.kubernetes));
  for (const p of plans) {
    try {
      await send(c, targetOf(p, service), p.target.patch as Obj, true);
      p.validation = 'dry run accepted by the API server';
    } catch (e) {
      p.validation = `dry run rejected: ${explain(e)}`;
    }
  }
}

import * as k8s from '@kubernetes/client-node';
import { parse } from 'yaml';
import type { z } from 'zod';
import type { KubernetesLocationSchema } from '../../evidence/service.ts';
import { ProviderError } from '../errors.ts';

export { messageOf, statusOf } from './errors.ts';

export type KubernetesLocation = z.infer<typeof KubernetesLocationSchema>;

/** The typed API clients Sticky uses, from one kubeconfig. */
export interface KubeClients {
  core: k8s.CoreV1Api;
  apps: k8s.AppsV1Api;
  networking: k8s.NetworkingV1Api;
  discovery: k8s.DiscoveryV1Api;
  autoscaling: k8s.AutoscalingV2Api;
}

/**
 * Builds the clients from the default kubeconfig (KUBECONFIG, ~/.kube/config) or the in-cluster
 * service account, switching to the catalog's context when it names one; for an `eks:` entry,
 * from the cluster's endpoint and a token of the role Sticky runs as.
 */
export async function kubeClients(loc: KubernetesLocation): Promise<KubeClients> {
  let kc: k8s.KubeConfig;
  if (loc.eks) {
    kc = await (await import('./eks.ts')).eksKubeConfig(loc.eks.cluster, loc.eks.region);
  } else {
    kc = new k8s.KubeConfig();
    kc.loadFromDefault();
    if (loc.context) {
      if (!kc.getContextObject(loc.context)) throw new ProviderError(`no context "${loc.context}" in the kubeconfig`);
      kc.setCurrentContext(loc.context);
    }
  }
  return {
    core: kc.makeApiClient(k8s.CoreV1Api),
    apps: kc.makeApiClient(k8s.AppsV1Api),
    networking: kc.makeApiClient(k8s.NetworkingV1Api),
    discovery: kc.makeApiClient(k8s.DiscoveryV1Api),
    autoscaling: kc.makeApiClient(k8s.AutoscalingV2Api),
  };
}

/**
 * Serializes a client model object to the wire (and `kubectl get -o yaml`) shape: the client's
 * own serializer picks the model by apiVersion and kind, which list items lack, so they are set.
 * A core `v1` Event is the exception: the client resolves `v1`/`Event` to the model of
 * `events.k8s.io/v1` Events and cannot dump it, and its fields carry their wire names already,
 * so it goes through JSON.
 */
export function wire(obj: object, apiVersion: string, kind: string): Record<string, unknown> {
  const typed = Object.assign(obj, { apiVersion, kind });
  const plain = (apiVersion === 'v1' && kind === 'Event' ? JSON.parse(JSON.stringify(typed)) : parse(k8s.dumpYaml(typed))) as Record<string, unknown>;
  return { apiVersion, kind, ...plain };
}

/** One RBAC rule: an API group, resources, verbs (and names, when the rule is that narrow). */
export interface RbacRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

/**
 * What the Kubernetes collector reads (cluster-wide, as Ingresses of one host can live in any
 * namespace): get/list/watch on exactly the kinds it collects.
 */
export const COLLECT_RULES: RbacRule[] = [
  { apiGroups: [''], resources: ['services', 'events'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['apps'], resources: ['deployments', 'statefulsets', 'replicasets'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['networking.k8s.io'], resources: ['ingresses', 'ingressclasses'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: ['get', 'list', 'watch'] },
];

/** What the remediations change: `patch` on the kinds they patch, nothing else. */
export const REMEDIATE_RULES: RbacRule[] = [
  { apiGroups: [''], resources: ['services'], verbs: ['patch'] },
  { apiGroups: ['apps'], resources: ['deployments', 'statefulsets'], verbs: ['patch'] },
  { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: ['patch'] },
];

/** The ingress-nginx controller ConfigMap, read by name in its own namespace only. */
export const CONTROLLER_CONFIG_RULE: RbacRule = { apiGroups: [''], resources: ['configmaps'], verbs: ['get'], resourceNames: ['ingress-nginx-controller'] };

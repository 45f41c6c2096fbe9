import { cloudwatchErrorsWhileUnhealthy } from './cloudwatch/errors-while-unhealthy.ts';
import { cloudwatchRequestSkew } from './cloudwatch/request-skew.ts';
import { cloudwatchUnhealthyAlarm } from './cloudwatch/unhealthy-alarm.ts';
import { cloudwatchUnhealthyFlapping } from './cloudwatch/unhealthy-flapping.ts';
import { cloudwatchUnhealthyHosts } from './cloudwatch/unhealthy-hosts.ts';
import { elbv2CookieDuration } from './elbv2/cookie-duration.ts';
import { elbv2CorsCookie } from './elbv2/cors-cookie.ts';
import { elbv2DeregistrationDelay } from './elbv2/deregistration-delay.ts';
import { elbv2GroupStickiness } from './elbv2/group-stickiness.ts';
import { elbv2SourceIp } from './elbv2/source-ip.ts';
import { elbv2StickinessDisabled } from './elbv2/stickiness-disabled.ts';
import { elbv2TargetHealth } from './elbv2/target-health.ts';
import { haproxyCookieAttributes } from './haproxy/cookie-attributes.ts';
import { haproxyCookieDomain } from './haproxy/cookie-domain.ts';
import { haproxyCookieTtl } from './haproxy/cookie-ttl.ts';
import { haproxyForwardedProto } from './haproxy/forwarded-proto.ts';
import { haproxyHealthCheck } from './haproxy/health-check.ts';
import { haproxyNoAffinity } from './haproxy/no-affinity.ts';
import { haproxyPersistRedispatch } from './haproxy/persist-redispatch.ts';
import { haproxyServerCookie } from './haproxy/server-cookie.ts';
import { haproxyServerDown } from './haproxy/server-down.ts';
import { haproxySharedState } from './haproxy/shared-state.ts';
import { haproxyShutdownSessions } from './haproxy/shutdown-sessions.ts';
import { haproxySourceAffinity } from './haproxy/source-affinity.ts';
import { haproxyStickExpire } from './haproxy/stick-expire.ts';
import { haproxyWebsocket } from './haproxy/websocket.ts';
import { kubernetesAffinityMode } from './kubernetes/affinity-mode.ts';
import { kubernetesAlbCookieDuration } from './kubernetes/alb-cookie-duration.ts';
import { kubernetesAlbDeregistrationDelay } from './kubernetes/alb-deregistration-delay.ts';
import { kubernetesAlbGroupStickiness } from './kubernetes/alb-group-stickiness.ts';
import { kubernetesAlbStickiness } from './kubernetes/alb-stickiness.ts';
import { kubernetesCanary } from './kubernetes/canary.ts';
import { kubernetesEndpoints } from './kubernetes/endpoints.ts';
import { kubernetesPodKills } from './kubernetes/pod-kills.ts';
import { kubernetesIngressAffinity } from './kubernetes/ingress-affinity.ts';
import { kubernetesIngressClasses } from './kubernetes/ingress-classes.ts';
import { kubernetesIngressCookieAttributes } from './kubernetes/ingress-cookie-attributes.ts';
import { kubernetesIngressCookieDomain } from './kubernetes/ingress-cookie-domain.ts';
import { kubernetesIngressCookiePath } from './kubernetes/ingress-cookie-path.ts';
import { kubernetesIngressCookieTtl } from './kubernetes/ingress-cookie-ttl.ts';
import { kubernetesIngressHashIp } from './kubernetes/ingress-hash-ip.ts';
import { kubernetesIngressHashKey } from './kubernetes/ingress-hash-key.ts';
import { kubernetesIngressWebsocket } from './kubernetes/ingress-websocket.ts';
import { kubernetesProbes } from './kubernetes/probes.ts';
import { kubernetesRollout } from './kubernetes/rollout.ts';
import { kubernetesServiceAffinityTimeout } from './kubernetes/service-affinity-timeout.ts';
import { kubernetesServiceClientIp } from './kubernetes/service-client-ip.ts';
import { kubernetesUnavailable } from './kubernetes/unavailable.ts';
import { nginxForwardedProto } from './nginx/forwarded-proto.ts';
import { nginxHashConsistent } from './nginx/hash-consistent.ts';
import { nginxHashKey } from './nginx/hash-key.ts';
import { nginxHealthCheck } from './nginx/health-check.ts';
import { nginxIpHash } from './nginx/ip-hash.ts';
import { nginxNoAffinity } from './nginx/no-affinity.ts';
import { nginxServerDown } from './nginx/server-down.ts';
import { nginxSharedState } from './nginx/shared-state.ts';
import { nginxStickyAttributes } from './nginx/sticky-attributes.ts';
import { nginxStickyDomain } from './nginx/sticky-domain.ts';
import { nginxStickyPath } from './nginx/sticky-path.ts';
import { nginxStickyTtl } from './nginx/sticky-ttl.ts';
import { nginxWebsocket } from './nginx/websocket.ts';
import { probeCookieAttributes } from './probe/cookie-attributes.ts';
import { probeCookieDomain, probeCookiePath } from './probe/cookie-scope.ts';
import { probeCookieTtl } from './probe/cookie-ttl.ts';
import { probeNoCookie } from './probe/no-cookie.ts';
import { probeSpread } from './probe/spread.ts';
import { probeWebsocket } from './probe/websocket.ts';
import type { Check } from './types.ts';

/**
 * Every check, in the order they run. Configuration layers first; the probe last, because it
 * attributes live symptoms to the configuration findings before it. Adding a check: one file
 * in the layer's folder and one line here.
 */
export const CHECKS: readonly Check[] = [
  // AWS: ELB target groups and listeners, CloudWatch
  elbv2StickinessDisabled,
  elbv2CookieDuration,
  elbv2DeregistrationDelay,
  elbv2TargetHealth,
  elbv2SourceIp,
  elbv2GroupStickiness,
  elbv2CorsCookie,
  cloudwatchUnhealthyAlarm,
  cloudwatchUnhealthyHosts,
  cloudwatchUnhealthyFlapping,
  cloudwatchErrorsWhileUnhealthy,
  cloudwatchRequestSkew,
  // HAProxy
  haproxyNoAffinity,
  haproxyServerCookie,
  haproxyCookieTtl,
  haproxyStickExpire,
  haproxyCookieDomain,
  haproxyCookieAttributes,
  haproxySourceAffinity,
  haproxyServerDown,
  haproxyPersistRedispatch,
  haproxyShutdownSessions,
  haproxyHealthCheck,
  haproxySharedState,
  haproxyWebsocket,
  haproxyForwardedProto,
  // NGINX
  nginxNoAffinity,
  nginxHashKey,
  nginxIpHash,
  nginxHashConsistent,
  nginxServerDown,
  nginxStickyTtl,
  nginxStickyDomain,
  nginxStickyPath,
  nginxStickyAttributes,
  nginxWebsocket,
  nginxForwardedProto,
  nginxSharedState,
  nginxHealthCheck,
  // Kubernetes
  kubernetesIngressAffinity,
  kubernetesIngressHashKey,
  kubernetesIngressHashIp,
  kubernetesAlbStickiness,
  kubernetesAlbCookieDuration,
  kubernetesAlbDeregistrationDelay,
  kubernetesAlbGroupStickiness,
  kubernetesIngressCookiePath,
  kubernetesIngressCookieTtl,
  kubernetesIngressCookieDomain,
  kubernetesIngressCookieAttributes,
  kubernetesIngressWebsocket,
  kubernetesServiceClientIp,
  kubernetesServiceAffinityTimeout,
  kubernetesRollout,
  kubernetesProbes,
  kubernetesUnavailable,
  kubernetesIngressClasses,
  kubernetesAffinityMode,
  kubernetesEndpoints,
  kubernetesPodKills,
  kubernetesCanary,
  // Live probe
  probeNoCookie,
  probeCookieTtl,
  probeCookieDomain,
  probeCookiePath,
  probeCookieAttributes,
  probeWebsocket,
  probeSpread,
];

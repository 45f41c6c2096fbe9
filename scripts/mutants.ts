/**
 * The named mutants of `npm run mutate`: each is a deliberate bug in one exact snippet of the
 * source, and the tests that must catch it. A mutant names the security rule or threshold it
 * breaks; `tests` are the jest path filters to run and `only` an optional test-name pattern
 * (jest `-t`) that narrows them to the tests that matter, so the whole check stays short.
 *
 * A snippet must occur exactly once in its file: when the source changes so that it no longer
 * does, the run stops before mutating anything and names the mutant to update.
 */
export interface Mutant {
  /** Stable dotted name, grouped by what it breaks. */
  name: string;
  /** The bug in words. */
  why: string;
  file: string;
  from: string;
  to: string;
  tests: string[];
  only?: string;
}

const RUNBOOK = 'test/unit/runbook.test.ts';
const SLACK = 'test/integration/slack.test.ts';
const STORE = 'test/integration/store.test.ts';
const SFN = 'test/integration/step-functions.test.ts';
const FIXTURES = 'test/unit/fixtures.test.ts';
const REQUEST = 'test/unit/slack-request.test.ts';
const UNITS = 'test/unit/small-units.test.ts';

export const MUTANTS: Mutant[] = [
  // Who may decide (lib/workflow/approvals.ts) and how votes count (lib/store/store.ts).
  {
    name: 'approver.listed-user', why: 'anyone counts as an approver',
    file: 'lib/workflow/approvals.ts', from: 'let allowed = approvers.includes(user);', to: 'let allowed = true;',
    tests: [RUNBOOK], only: 'who may approve',
  },
  {
    name: 'approver.user-group', why: 'any non-empty user group lets everyone in',
    file: 'lib/workflow/approvals.ts', from: 'allowed = (await members(g)).includes(user);', to: 'allowed = (await members(g)).length > 0;',
    tests: [RUNBOOK], only: 'who may approve',
  },
  {
    name: 'approver.none-listed', why: 'a service without approvers gets the generic refusal instead of saying no fix can be decided',
    file: 'lib/workflow/approvals.ts', from: 'if (approvers.length === 0) return', to: 'if (approvers.length < 0) return',
    tests: [RUNBOOK], only: 'who may approve',
  },
  {
    name: 'four-eyes.high-risk', why: 'the requester approves their own high-risk fix',
    file: 'lib/workflow/approvals.ts', from: "if (decision === 'approve' && approval.risk === 'high' && approval.requester === user) {", to: "if (decision === 'approve' && approval.risk === 'critical' && approval.requester === user) {",
    tests: [RUNBOOK], only: 'four eyes',
  },
  {
    name: 'four-eyes.withdraw-only', why: 'the requester\'s right to withdraw also lets them approve',
    file: 'lib/workflow/approvals.ts', from: "if (decision === 'reject' && approval.requester === user) return { ok: true };", to: 'if (approval.requester === user) return { ok: true };',
    tests: [RUNBOOK], only: 'four eyes',
  },
  {
    name: 'channel.home-only', why: 'a decision is taken in any channel, not only the triage\'s',
    file: 'lib/workflow/approvals.ts', from: 'if (input.channel !== home) return refuse(', to: 'if (input.channel === undefined) return refuse(',
    tests: [SFN], only: 'another channel',
  },
  {
    name: 'votes.m-of-n', why: 'one approval decides a plan that needs several approvers',
    file: 'lib/store/store.ts', from: 'const done = votes.length >= (a.required ?? 1);', to: 'const done = votes.length >= 1;',
    tests: [STORE], only: 'counts each approver once',
  },
  {
    name: 'votes.once-per-person', why: 'the same person\'s second approval counts again',
    file: 'lib/store/store.ts', from: "if (approvedBy.includes(user)) return 'already-voted';", to: '',
    tests: [STORE], only: 'counts each approver once',
  },
  {
    name: 'votes.expiry', why: 'a vote at the very moment the approval expires still counts',
    file: 'lib/store/store.ts', from: "      if (a.expiresAt <= now) return 'expired';", to: "      if (a.expiresAt < now) return 'expired';",
    tests: [STORE], only: 'moment the approval expires',
  },
  // Drift refusal: the live state must still be the collected one.
  {
    name: 'drift.config-file', why: 'a config file edited since collection is overwritten',
    file: 'lib/remediations/apply/config-files.ts', from: "if (live.replace(/\\n+$/, '') !== collected.replace(/\\n+$/, '')) throw new DriftError(", to: 'if (false) throw new DriftError(',
    tests: ['test/integration/apply.test.ts'], only: 'refuses when the config changed since collection|applies at most once',
  },
  {
    name: 'drift.elbv2-attributes', why: 'target group attributes changed since collection are overwritten',
    file: 'lib/remediations/apply/elbv2.ts', from: 'if (v !== b.Value) throw new DriftError(', to: 'if (false) throw new DriftError(',
    tests: ['test/unit/aws.test.ts'], only: 'drifted since collection',
  },
  {
    name: 'drift.elbv2-actions', why: 'listener or rule actions changed since collection are overwritten',
    file: 'lib/remediations/apply/elbv2.ts', from: 'if (JSON.stringify(canonical(live ?? [])) !== JSON.stringify(canonical(t.rollbackActions))) throw new DriftError(', to: 'if (false) throw new DriftError(',
    tests: ['test/unit/aws.test.ts'], only: 'actions changed since collection',
  },
  {
    name: 'drift.kubernetes-fields', why: 'Kubernetes fields changed since collection are overwritten',
    file: 'lib/remediations/apply/kubernetes.ts', from: 'if (drift) throw new DriftError(', to: 'if (false) throw new DriftError(',
    tests: ['test/integration/kubernetes.test.ts'], only: 'drifted since collection',
  },
  {
    name: 'drift.kubernetes-409', why: 'a write between the dry run and the patch is not reported as drift',
    file: 'lib/remediations/apply/kubernetes.ts', from: 'if (statusOf(e) === 409) throw new DriftError(', to: 'if (statusOf(e) === 410) throw new DriftError(',
    tests: ['test/integration/kubernetes.test.ts'], only: '409',
  },
  // The Slack signature and its five-minute window (lib/slack/request.ts).
  {
    name: 'signature.hmac', why: 'a forged signature is accepted',
    file: 'lib/slack/request.ts', from: 'if (!timingSafeEqual(expected, Buffer.from(sig))) return', to: 'if (false) return',
    tests: [REQUEST],
  },
  {
    name: 'signature.body-signed', why: 'the body is not part of what is signed, so a signed request can carry another body',
    file: 'lib/slack/request.ts', from: 'update(`v0:${ts}:${body}`)', to: 'update(`v0:${ts}:`)',
    tests: [REQUEST],
  },
  {
    name: 'signature.future', why: 'a request stamped in the future is accepted',
    file: 'lib/slack/request.ts', from: 'if (Math.abs(nowSeconds - Number(ts)) > SIGNATURE_WINDOW_SECONDS)', to: 'if (nowSeconds - Number(ts) > SIGNATURE_WINDOW_SECONDS)',
    tests: [REQUEST],
  },
  {
    name: 'signature.window-edge', why: 'a request exactly five minutes old is refused',
    file: 'lib/slack/request.ts', from: 'if (Math.abs(nowSeconds - Number(ts)) > SIGNATURE_WINDOW_SECONDS)', to: 'if (Math.abs(nowSeconds - Number(ts)) >= SIGNATURE_WINDOW_SECONDS)',
    tests: [REQUEST],
  },
  {
    name: 'signature.window-length', why: 'the window is ten times Slack\'s',
    file: 'lib/slack/request.ts', from: 'export const SIGNATURE_WINDOW_SECONDS = 300;', to: 'export const SIGNATURE_WINDOW_SECONDS = 3000;',
    tests: [REQUEST],
  },
  // Cookie values never recorded.
  {
    name: 'redaction.probe', why: 'the probe records the Set-Cookie value',
    file: 'lib/providers/probe/probe.ts', from: "    value: '<redacted>',", to: '    value: c.value,',
    tests: ['test/unit/live-units.test.ts'], only: 'redactSetCookie',
  },
  {
    name: 'redaction.schema', why: 'a bundle holding a cookie value is read instead of refused',
    file: 'lib/evidence/probe.ts', from: "value: z.literal('<redacted>'),", to: 'value: z.string(),',
    tests: ['test/unit/cli.test.ts'], only: 'never prints a cookie value',
  },
  // Verification and rollback.
  {
    name: 'rollback.apply-plan', why: 'applyPlan keeps a change whose verification failed',
    file: 'lib/remediations/apply/engine.ts', from: "    await rollbackChange(undo, ev.service);\n    step('rolled back to the state before the change');", to: "    step('rolled back to the state before the change');",
    tests: ['test/unit/aws.test.ts'], only: 'rolls back to the collected attributes',
  },
  {
    name: 'rollback.blind-is-verified', why: 'a layer that could not be checked again counts as fixed',
    file: 'lib/remediations/apply/engine.ts', from: 'const remaining = fixes.filter((id) => unchecked.includes(id) || after.findings', to: 'const remaining = fixes.filter((id) => after.findings',
    tests: ['test/unit/aws.test.ts'], only: 'blind is not verified',
  },
  {
    name: 'rollback.verify-step', why: 'the runbook\'s Verify step records a failed verification as verified',
    file: 'lib/workflow/steps.ts', from: '    if (result.verified) {\n      await deps.store.transition(input.approvalId', to: '    if (true) {\n      await deps.store.transition(input.approvalId',
    tests: [SFN], only: 'verification fails',
  },
  {
    name: 'rollback.rollback-step', why: 'the runbook\'s Rollback step records a rollback it did not run',
    file: 'lib/workflow/steps.ts', from: '      await rollbackChange(undo, service);\n    } catch (e) {\n      const err = classify(e, \'the rollback\');', to: '      void rollbackChange;\n    } catch (e) {\n      const err = classify(e, \'the rollback\');',
    tests: [SFN], only: 'verification fails',
  },
  // The report's message is updated in place: its own channel and ts.
  {
    name: 'publish.message-ts', why: 'chat.update targets the thread\'s ts instead of the report\'s',
    file: 'lib/workflow/steps.ts', from: 'await deps.slack.chat.update({ channel: triage.channel, ts: triage.messageTs,', to: 'await deps.slack.chat.update({ channel: triage.channel, ts: triage.threadTs ?? triage.messageTs,',
    tests: [SFN], only: 'publishes a report',
  },
  {
    name: 'publish.channel', why: 'chat.update goes to the first channel instead of the triage\'s',
    file: 'lib/workflow/steps.ts', from: 'await deps.slack.chat.update({ channel: triage.channel, ts: triage.messageTs,', to: "await deps.slack.chat.update({ channel: 'C1', ts: triage.messageTs,",
    tests: [SFN], only: 'publishes a report',
  },
  // Evidence collected from the right place.
  {
    name: 'cloudwatch.namespace', why: 'a network load balancer\'s metrics are asked of the ALB namespace',
    file: 'lib/providers/aws/cloudwatch.ts', from: "Namespace: nlb ? 'AWS/NetworkELB' : 'AWS/ApplicationELB',", to: "Namespace: 'AWS/ApplicationELB',",
    tests: ['test/unit/cloudwatch.test.ts'], only: 'NLB namespace',
  },
  {
    name: 'cloudwatch.alb-namespace', why: 'an application load balancer\'s metrics are asked of the NLB namespace',
    file: 'lib/providers/aws/cloudwatch.ts', from: "Namespace: nlb ? 'AWS/NetworkELB' : 'AWS/ApplicationELB',", to: "Namespace: 'AWS/NetworkELB',",
    tests: ['test/unit/cloudwatch.test.ts'], only: 'from AWS/ApplicationELB',
  },
  // The rules' thresholds: exactly the session is enough, shorter is a finding.
  ...[
    ['haproxy.cookie-ttl', 'lib/checks/haproxy/cookie-ttl.ts', '.filter((x) => x.s < session);', '.filter((x) => x.s <= session);', 'haproxy-ttl-boundary'],
    ['haproxy.stick-expire', 'lib/checks/haproxy/stick-expire.ts', 'expire / 1000 >= service.sessionTimeoutSeconds', 'expire / 1000 > service.sessionTimeoutSeconds', 'haproxy-stick-expire|haproxy-ttl-boundary'],
    ['nginx.sticky-ttl', 'lib/checks/nginx/sticky-ttl.ts', 'if (seconds >= service.sessionTimeoutSeconds) return [];', 'if (seconds > service.sessionTimeoutSeconds) return [];', 'nginx'],
    ['probe.cookie-ttl', 'lib/checks/probe/cookie-ttl.ts', 'life >= service.sessionTimeoutSeconds', 'life > service.sessionTimeoutSeconds', 'probe-ttl-boundary'],
    ['elbv2.cookie-duration', 'lib/checks/elbv2/cookie-duration.ts', 'if (!(d < service.sessionTimeoutSeconds)) return [];', 'if (!(d <= service.sessionTimeoutSeconds)) return [];', 'aws-duration-equal'],
    ['elbv2.group-duration', 'lib/checks/elbv2/group-stickiness.ts', '(cfg.DurationSeconds ?? 3600) < service.sessionTimeoutSeconds', '(cfg.DurationSeconds ?? 3600) <= service.sessionTimeoutSeconds', 'aws-group-duration-equal'],
    ['kubernetes.alb-cookie-duration', 'lib/checks/kubernetes/alb-cookie-duration.ts', 'if (!(seconds < service.sessionTimeoutSeconds)) continue;', 'if (!(seconds <= service.sessionTimeoutSeconds)) continue;', 'k8s-alb-duration-equal'],
    ['kubernetes.alb-group-duration', 'lib/checks/kubernetes/alb-group-stickiness.ts', '(cfg.durationSeconds ?? 3600) < service.sessionTimeoutSeconds', '(cfg.durationSeconds ?? 3600) <= service.sessionTimeoutSeconds', 'k8s-alb'],
    ['kubernetes.ingress-cookie-ttl', 'lib/checks/kubernetes/ingress-cookie-ttl.ts', 'Number(x.v) < service.sessionTimeoutSeconds', 'Number(x.v) <= service.sessionTimeoutSeconds', 'k8s-cookie-max-age-equal'],
    ['kubernetes.client-ip-timeout', 'lib/checks/kubernetes/service-affinity-timeout.ts', 'if (timeout >= service.sessionTimeoutSeconds) return [];', 'if (timeout > service.sessionTimeoutSeconds) return [];', 'k8s-client-ip-timeout-equal'],
    ['flap.threshold-up', 'lib/checks/support/thresholds.ts', 'export const FLAP_SECONDS = 5;', 'export const FLAP_SECONDS = 6;', 'check-timing|probe|health|flap'],
    ['flap.threshold-down', 'lib/checks/support/thresholds.ts', 'export const FLAP_SECONDS = 5;', 'export const FLAP_SECONDS = 4;', 'check-timing|probe|health|flap'],
    ['haproxy.fast-checks', 'lib/checks/haproxy/health-check.ts', 'secondsToDown(s).seconds < FLAP_SECONDS', 'secondsToDown(s).seconds <= FLAP_SECONDS', 'haproxy-check-timing-boundary'],
    ['nginx.fast-checks', 'lib/checks/nginx/health-check.ts', 'if (interval * fails >= FLAP_SECONDS) return [];', 'if (interval * fails > FLAP_SECONDS) return [];', 'nginx'],
    ['kubernetes.readiness-probe', 'lib/checks/kubernetes/probes.ts', 'if (readiness && period * threshold < FLAP_SECONDS) {', 'if (readiness && period * threshold <= FLAP_SECONDS) {', 'k8s'],
    ['elbv2.deregistration-zero', 'lib/checks/elbv2/deregistration-delay.ts', "v.attr('deregistration_delay.timeout_seconds') !== '0'", "Number(v.attr('deregistration_delay.timeout_seconds')) > 1", 'aws-dereg'],
    ['kubernetes.alb-deregistration-zero', 'lib/checks/kubernetes/alb-deregistration-delay.ts', "if (tg.attr('deregistration_delay.timeout_seconds') !== '0') continue;", "if (Number(tg.attr('deregistration_delay.timeout_seconds')) > 1) continue;", 'only 0 is a finding', UNITS],
    ['elbv2.lb-cookie-duration-default', 'lib/checks/support/elb-defaults.ts', "'stickiness.lb_cookie.duration_seconds': '86400',", "'stickiness.lb_cookie.duration_seconds': '3600',", 'an unset duration', UNITS],
    ['elbv2.duration-of-type', 'lib/checks/elbv2/cookie-duration.ts', 'const key = `stickiness.${type}.duration_seconds`;', "const key = 'stickiness.lb_cookie.duration_seconds';", 'aws-app-cookie'],
  ].map(([name, file, from, to, only, tests]): Mutant => ({ name: `threshold.${name}`, why: `the boundary moves: ${to!.trim()}`, file: file!, from: from!, to: to!, tests: [tests ?? FIXTURES], only: only! })),
];

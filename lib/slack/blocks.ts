import type { ActionsBlock, KnownBlock, SectionBlock } from '@slack/types';
import type { Report } from '../checks/analyze.ts';
import type { Finding, Severity } from '../checks/types.ts';
import { missingParts, severityCounts } from '../report/summary.ts';
import type { Plan } from '../remediations/types.ts';

/** Slack allows 50 blocks per message. */
export const MAX_BLOCKS = 50;
const SECTION_LIMIT = 3000;
const EMOJI: Record<Severity, string> = { critical: ':red_circle:', warning: ':large_orange_circle:', info: ':large_blue_circle:' };

/** A message ready for chat.postMessage: blocks plus the plain-text fallback Slack shows in notifications. */
export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function findingBlock(f: Finding): SectionBlock {
  const evidence = f.evidence.slice(0, 4).map((e) => `\`${esc(clip(e, 300))}\``).join('\n');
  const more = f.evidence.length > 4 ? `\n_+${f.evidence.length - 4} more_` : '';
  return {
    type: 'section',
    block_id: clip(`finding:${f.id}`, 255),
    text: { type: 'mrkdwn', text: clip(`${EMOJI[f.severity]} *${f.severity.toUpperCase()}* · \`${f.cause}\` · ${esc(f.resource)}\n${esc(f.summary)}\n${evidence}${more}`, SECTION_LIMIT) },
  };
}

/** How the bot shows each plan: the approval id its buttons carry, and its state once decided. */
export interface PlanStates {
  [planId: string]: {
    approvalId?: string;
    /** Once decided: who decided what, and what came of it (replaces the buttons). */
    state?: string;
    rollback?: boolean;
    /** While still open: how far the decision is (`1 of 2 approvals: <@U2>`), shown above the buttons. */
    progress?: string;
  };
}

/** Options of {@link renderBlocks}: plan states, and the triage the Show evidence button names. */
export interface RenderOptions {
  triageId?: string;
  /** Requests per backend the live probe saw, drawn as a text chart. */
  backends?: { label: string; counts: [string, number][] }[];
}

/** A text bar chart of requests per backend, one line each: `app1  ████████ 8`. */
export function backendChart(rows: { label: string; counts: [string, number][] }[]): string {
  const max = Math.max(1, ...rows.flatMap((r) => r.counts.map(([, n]) => n)));
  const width = Math.max(...rows.flatMap((r) => r.counts.map(([b]) => b.length)), 4);
  return rows
    .filter((r) => r.counts.length > 0)
    .map((r) => `${r.label}\n${r.counts.map(([b, n]) => `${b.padEnd(width)} ${'█'.repeat(Math.max(1, Math.round((n / max) * 20)))} ${n}`).join('\n')}`)
    .join('\n');
}

function planBlocks(p: Plan, states: PlanStates = {}): KnownBlock[] {
  const change = `\`\`\`- ${esc(p.change.before).split('\n').join('\n- ')}\n+ ${esc(p.change.after).split('\n').join('\n+ ')}\`\`\``;
  const section: SectionBlock = {
    type: 'section',
    block_id: clip(`plan:${p.id}`, 255),
    text: { type: 'mrkdwn', text: clip(`:wrench: *${esc(p.title)}* (risk ${p.risk})${p.validation ? ` · _${esc(p.validation)}_` : ''}\n${change}`, SECTION_LIMIT) },
  };
  if (p.advice) {
    return [section, { type: 'context', elements: [{ type: 'mrkdwn', text: clip(`Apply by hand: ${esc(p.apply)}`, 3000) }] }];
  }
  const st = states[p.id];
  if (st?.state) {
    const context: KnownBlock = { type: 'context', elements: [{ type: 'mrkdwn', text: clip(st.state, 3000) }] };
    if (!st.rollback || !st.approvalId) return [section, context];
    return [section, context, {
      type: 'actions', block_id: clip(`rollback:${p.id}`, 255),
      elements: [{
        type: 'button', action_id: `rollback:${p.action}`, text: { type: 'plain_text', text: 'Roll back' }, style: 'danger', value: st.approvalId,
        confirm: { title: { type: 'plain_text', text: 'Roll this change back?' }, text: { type: 'mrkdwn', text: clip(`Restores: ${esc(p.change.before)}`, 300) }, confirm: { type: 'plain_text', text: 'Roll back' }, deny: { type: 'plain_text', text: 'Cancel' } },
      }],
    }];
  }
  const value = st?.approvalId ?? p.id;
  const actions: ActionsBlock = {
    type: 'actions',
    block_id: clip(`actions:${p.id}`, 255),
    elements: [
      {
        type: 'button',
        action_id: `approve:${p.action}`,
        text: { type: 'plain_text', text: 'Approve' },
        style: 'primary',
        value,
        confirm: {
          title: { type: 'plain_text', text: 'Apply this change?' },
          text: { type: 'mrkdwn', text: clip(`${esc(p.title)}\n\`\`\`${esc(p.change.after)}\`\`\`\nRollback: ${esc(p.rollback)}`, 300) },
          confirm: { type: 'plain_text', text: 'Apply' },
          deny: { type: 'plain_text', text: 'Cancel' },
        },
      },
      { type: 'button', action_id: `reject:${p.action}`, text: { type: 'plain_text', text: 'Reject' }, value },
    ],
  };
  return st?.progress ? [section, { type: 'context', elements: [{ type: 'mrkdwn', text: clip(st.progress, 3000) }] }, actions] : [section, actions];
}

/** The one-line summary used as the header suffix and in the notification fallback. */
export function headline(r: Report): string {
  const counts = severityCounts(r).map((c) => c.text).join(', ');
  const missing = missingParts(r).length ? `not checked: ${missingParts(r).join(', ')}` : '';
  switch (r.verdict) {
    case 'findings': return [counts, missing].filter(Boolean).join('; ');
    case 'healthy': return 'no sticky-session problem found';
    case 'not-checked': return r.checked.length ? `no problem found, but ${missing}` : `nothing could be checked (${missing || 'no evidence'})`;
    case 'unreadable': return `some evidence could not be read${counts ? `; ${counts}` : ''}`;
  }
}

/** The header's emoji: the worst severity, a check mark only for a verdict of healthy, else a warning sign. */
function headerEmoji(r: Report): string {
  const worst = r.findings[0]?.severity;
  if (r.verdict === 'findings' && worst) return EMOJI[worst];
  return r.verdict === 'healthy' ? ':white_check_mark:' : ':warning:';
}

/**
 * The report as the bot posts it: header with service and worst severity, what was checked,
 * a section per finding, then each plan with Approve (confirm dialog stating the exact change)
 * and Reject buttons whose value is only a short id (the approval id the bot stored, or the
 * plan id), or, once decided, who decided and what came of it. Never more than 50 blocks: findings that
 * do not fit are collapsed behind a Show evidence button.
 */
export function renderBlocks(r: Report, states: PlanStates = {}, opts: RenderOptions = {}): SlackMessage {
  const blind = Object.entries(r.notCheckedReasons).filter(([k]) => k.includes('/')).sort(([a], [b]) => a.localeCompare(b)).map(([, v]) => `:warning: not checked: ${esc(v)}`);
  const head: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(`${headerEmoji(r)} ${r.service}: ${headline(r)}`, 150), emoji: true } },
    {
      type: 'context',
      elements: [{
        type: 'mrkdwn',
        text: clip([`checked: ${r.checked.join(', ') || 'nothing'}`, ...r.incomplete.map((l) => `:warning: not checked: ${l} (${esc(r.notCheckedReasons[l] ?? 'no evidence')})`), ...blind, ...r.problems.map((p) => `could not read ${esc(p.file)}${p.line ? `:${p.line}` : ''}`)].join(' · '), 3000),
      }],
    },
  ];
  const chart = opts.backends?.length ? backendChart(opts.backends) : '';
  if (chart) head.push({ type: 'section', block_id: 'backends', text: { type: 'mrkdwn', text: clip(`*Requests per backend (live probe)*\n\`\`\`${esc(chart)}\`\`\``, SECTION_LIMIT) } });
  const plans = r.remediations.flatMap((p) => planBlocks(p, states));
  const tailBudget = plans.length + (plans.length ? 1 : 0);
  let findingBudget = MAX_BLOCKS - head.length - tailBudget;
  let planBlocksKept = plans;
  if (findingBudget < Math.min(r.findings.length, 5) + 1) {
    planBlocksKept = [];
    let used = 0;
    for (const p of r.remediations) {
      const b = planBlocks(p, states);
      if (used + b.length > MAX_BLOCKS - head.length - 1 - Math.min(r.findings.length, 5) - 2) break;
      planBlocksKept.push(...b);
      used += b.length;
    }
    findingBudget = MAX_BLOCKS - head.length - planBlocksKept.length - 1;
  }
  const overflow = r.findings.length > findingBudget;
  const shown = overflow ? r.findings.slice(0, Math.max(0, findingBudget - 1)) : r.findings;
  const body: KnownBlock[] = shown.map(findingBlock);
  if (overflow) {
    body.push({
      type: 'section',
      block_id: 'overflow',
      text: { type: 'mrkdwn', text: `_${r.findings.length - shown.length} more finding(s) not shown._` },
      accessory: { type: 'button', action_id: 'show_evidence', text: { type: 'plain_text', text: 'Show evidence' }, value: opts.triageId ?? r.service },
    });
  }
  const blocks = [...head, ...body, ...(planBlocksKept.length ? [{ type: 'divider' } as KnownBlock, ...planBlocksKept] : [])].slice(0, MAX_BLOCKS);
  const causes = [...new Set(r.findings.map((f) => f.cause))].join(', ');
  return { text: `Sticky ${r.service}: ${headline(r)}${causes ? ` (${causes})` : ''}`, blocks };
}

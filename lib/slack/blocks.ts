import type { ActionsBlock, KnownBlock, SectionBlock } from '@slack/types';
import type { Report } from '../checks/analyze.ts';
import type { Finding, Severity } from '../checks/types.ts';
import { formatDiff, planDiff } from '../report/diff.ts';
import { backendChart, type BackendCounts } from '../report/probe-counts.ts';
import { missingParts, severityCounts } from '../report/summary.ts';
import { escapeMrkdwn } from './text.ts';
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
const esc = escapeMrkdwn;

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
  /** Requests per backend the live probe saw, drawn as a text chart (`probeCounts` of the bundle). */
  backends?: BackendCounts[];
  /** The bundle's files: config fixes are then shown as a unified diff of the real file. */
  files?: ReadonlyMap<string, string>;
}

/** Slack's limit on a confirm dialog's text (a plain_text object): 300 characters. */
export const CONFIRM_TEXT_LIMIT = 300;

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * A code block of whole lines that fits `budget` characters: lines that do not fit are replaced
 * by one `… N more lines` line inside the block, so the fence is always closed.
 */
export function codeBlock(lines: string[], budget: number): string {
  const fence = (body: string[]) => `\`\`\`${body.join('\n')}\`\`\``;
  if (fence(lines).length <= budget) return fence(lines);
  const kept: string[] = [];
  for (const l of lines) {
    const more = `… ${plural(lines.length - kept.length - 1, 'more line')}`;
    if (fence([...kept, l, more]).length > budget) break;
    kept.push(l);
  }
  return fence([...kept, `… ${plural(lines.length - kept.length, 'more line')}`]);
}

/** The change lines of a plan: a unified diff of the real file for config edits, else before → after. */
function changeLines(p: Plan, files?: ReadonlyMap<string, string>): string[] {
  const diff = planDiff(p, files);
  if (diff) return formatDiff(diff);
  return [...(p.change.before ? p.change.before.split('\n').map((l) => `- ${l}`) : []), ...(p.change.after ? p.change.after.split('\n').map((l) => `+ ${l}`) : [])];
}

/** The lines a change removes or adds (a diff without its headers and context). */
const changedOnly = (lines: string[]) => lines.filter((l) => /^[-+]/.test(l) && !/^(---|\+\+\+) /.test(l));

/**
 * The text of a confirm dialog: plain text (Slack's confirm text is a plain_text object, so there
 * is no code fence to leave open), at most 300 characters, whole lines only: the title, as many
 * of the changed lines as fit with a count of the rest, then the last line (the rollback).
 */
export function confirmText(title: string, lines: string[], last: string): string {
  const head = clip(title, 120);
  const tail = clip(last, 120);
  const compose = (kept: string[]) => {
    const rest = lines.length - kept.length;
    return [head, ...kept, ...(rest > 0 ? [`… ${plural(rest, 'more line')} in the message`] : []), tail].join('\n');
  };
  const kept: string[] = [];
  for (const l of lines) {
    if (compose([...kept, l]).length > CONFIRM_TEXT_LIMIT) break;
    kept.push(l);
  }
  return compose(kept);
}

function planBlocks(p: Plan, states: PlanStates = {}, files?: ReadonlyMap<string, string>): KnownBlock[] {
  const lines = changeLines(p, files);
  const title = `:wrench: *${esc(p.title)}* (risk ${p.risk})${p.validation ? ` · _${esc(clip(p.validation, 500))}_` : ''}\n`;
  const section: SectionBlock = {
    type: 'section',
    block_id: clip(`plan:${p.id}`, 255),
    text: { type: 'mrkdwn', text: `${title}${codeBlock(lines.map(esc), SECTION_LIMIT - title.length)}` },
  };
  if (p.advice) {
    return [section, { type: 'context', elements: [{ type: 'mrkdwn', text: clip(`Apply by hand: ${esc(p.apply)}`, 3000) }] }];
  }
  const changed = changedOnly(lines);
  const st = states[p.id];
  if (st?.state) {
    const context: KnownBlock = { type: 'context', elements: [{ type: 'mrkdwn', text: clip(st.state, 3000) }] };
    if (!st.rollback || !st.approvalId) return [section, context];
    const undo = changed.map((l) => `${l.startsWith('+') ? '-' : '+'}${l.slice(1)}`);
    return [section, context, {
      type: 'actions', block_id: clip(`rollback:${p.id}`, 255),
      elements: [{
        type: 'button', action_id: `rollback:${p.action}`, text: { type: 'plain_text', text: 'Roll back' }, style: 'danger', value: st.approvalId,
        confirm: {
          title: { type: 'plain_text', text: 'Roll this change back?' },
          text: { type: 'plain_text', text: confirmText(`Undo: ${p.title}`, undo, `How: ${p.rollback}`) },
          confirm: { type: 'plain_text', text: 'Roll back' },
          deny: { type: 'plain_text', text: 'Cancel' },
        },
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
          text: { type: 'plain_text', text: confirmText(p.title, changed, `Rollback: ${p.rollback}`) },
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
    case 'not-checked': return r.checked.length ? `no problem found, but ${missing}` : r.named.length ? `nothing could be checked (${missing || 'no evidence'})` : 'nothing to check: the service names no layer';
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
 * plan id), or, once decided, who decided and what came of it. Config fixes show a unified diff of
 * the real file when `opts.files` holds the bundle. Never more than 50 blocks: findings that do
 * not fit are collapsed behind a Show evidence button, and fixes that do not fit are counted.
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
  if (chart) head.push({ type: 'section', block_id: 'backends', text: { type: 'mrkdwn', text: `*Requests per backend (live probe)*\n${codeBlock(esc(chart).split('\n'), SECTION_LIMIT - 40)}` } });
  const room = MAX_BLOCKS - head.length;
  const groups = r.remediations.map((p) => planBlocks(p, states, opts.files));
  const minFindings = Math.min(r.findings.length, 5) + (r.findings.length > 5 ? 1 : 0);
  const planRoom = room - minFindings - (groups.length ? 1 : 0);
  const kept: KnownBlock[] = [];
  if (groups.reduce((n, g) => n + g.length, 0) > planRoom) {
    let shownPlans = 0;
    for (const g of groups) {
      if (kept.length + g.length > planRoom - 1) break;
      kept.push(...g);
      shownPlans++;
    }
    kept.push({
      type: 'context', block_id: 'more-fixes',
      elements: [{ type: 'mrkdwn', text: `_${plural(groups.length - shownPlans, 'more fix', 'more fixes')} not shown (a Slack message holds ${MAX_BLOCKS} blocks): \`sticky check ${esc(r.service)}\` lists every fix._` }],
    });
  } else kept.push(...groups.flat());
  const tail = kept.length ? [{ type: 'divider' } as KnownBlock, ...kept] : [];
  const findingRoom = room - tail.length;
  const overflow = r.findings.length > findingRoom;
  const shown = overflow ? r.findings.slice(0, Math.max(0, findingRoom - 1)) : r.findings;
  const body: KnownBlock[] = shown.map(findingBlock);
  if (overflow) {
    body.push({
      type: 'section',
      block_id: 'overflow',
      text: { type: 'mrkdwn', text: `_${plural(r.findings.length - shown.length, 'more finding')} not shown._` },
      accessory: { type: 'button', action_id: 'show_evidence', text: { type: 'plain_text', text: 'Show evidence' }, value: opts.triageId ?? r.service },
    });
  }
  const blocks = [...head, ...body, ...tail].slice(0, MAX_BLOCKS);
  const causes = [...new Set(r.findings.map((f) => f.cause))].join(', ');
  return { text: `Sticky ${r.service}: ${headline(r)}${causes ? ` (${causes})` : ''}`, blocks };
}

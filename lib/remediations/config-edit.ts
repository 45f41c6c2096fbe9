import type { SourceRef } from '../evidence/source.ts';
import { editOps, editsByFile } from './apply/edit-lines.ts';
import { plan, type Plan, type Risk } from './types.ts';

/** One line-level change to a config file: replace `line`, insert after it (`before` empty) or delete it (`after` empty). */
export interface LineEdit {
  file: string;
  line: number;
  before: string;
  after: string;
  /** For `nginx -T` dumps: the live file and line (`/etc/nginx/conf.d/app.conf:12`) the bundle line came from. */
  origin?: string;
}

/** A replacement of the line a {@link SourceRef} points at. */
export function replaceLine(ref: SourceRef, after: string): LineEdit {
  return { file: ref.file, line: ref.line ?? 0, before: ref.text ?? '', after, ...(ref.origin ? { origin: ref.origin } : {}) };
}

/** An insertion after the line a {@link SourceRef} points at. */
export function insertAfter(ref: SourceRef, after: string): LineEdit {
  return { file: ref.file, line: ref.line ?? 0, before: '', after, ...(ref.origin ? { origin: ref.origin } : {}) };
}

/** An insertion before the line a {@link SourceRef} points at (after the line above it; line 0 is the top of the file). */
export function insertBefore(ref: SourceRef, after: string): LineEdit {
  const origin = ref.origin?.replace(/:(\d+)$/, (_, n: string) => `:${Number(n) - 1}`);
  return { file: ref.file, line: (ref.line ?? 1) - 1, before: '', after, ...(origin ? { origin } : {}) };
}

/** Rounds seconds up to a whole unit and prints them in HAProxy/NGINX time syntax (`2h`, `90m`, `45s`). */
export function timeValue(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/**
 * The plan's `change` for config edits: `before` lists the lines that go (file:line in the file as
 * it is), `after` the lines that come (file:line in the file as it will be), so inserted lines
 * appear only as additions and every number is the line's real one. Lines of an `nginx -T` dump
 * are named by the file they came from.
 */
function render(edits: LineEdit[], side: 'before' | 'after'): string {
  return editsByFile(edits)
    .flatMap((g) => editOps(g.edits).filter((o) => o.kind === (side === 'before' ? '-' : '+')).map((o) => `${g.path}:${side === 'before' ? o.old : o.new}: ${o.text}`))
    .join('\n');
}

/**
 * A plan that edits a load balancer's config file: validated before it is written
 * (`haproxy -c` / `nginx -t`), written atomically with a backup, then gracefully reloaded.
 * With `advice`, the edit is shown but not offered as a button; `why` says what a person must
 * do first (it becomes the plan's `apply` text).
 */
export function configEditPlan(
  action: string,
  key: string,
  o: { title: string; risk: Risk; instance: string; edits: LineEdit[]; advice?: boolean; why?: string },
): Plan {
  const haproxy = action.startsWith('haproxy.');
  const validate = haproxy ? 'haproxy -c' : 'nginx -t';
  const reload = haproxy ? 'a graceful reload of the master process (SIGUSR2)' : '`nginx -s reload`';
  return plan(action, key, {
    title: o.title,
    risk: o.risk,
    change: { before: render(o.edits, 'before'), after: render(o.edits, 'after') },
    apply: o.why ?? `edit ${o.instance}'s config as shown, check the result with \`${validate}\`, write it atomically with a backup, then ${reload}`,
    rollback: `restore the backup of ${o.instance}'s config and reload the same way`,
    ...(o.advice ? { advice: true } : {}),
    target: { instance: o.instance, edits: o.edits },
  });
}

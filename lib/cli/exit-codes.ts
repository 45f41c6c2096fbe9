/**
 * Every exit status of `sticky`, in one place, as docs/cli.md documents them. `check` and
 * `analyze` use 0–3 (the report's verdict); `apply` gives each outcome its own code so a script
 * or a runbook can tell "nothing was changed" from "changed and undone" from "needs a person".
 */
export const EXIT = {
  /** check/analyze: every named layer checked, nothing at warning or worse; apply: applied and verified; other commands: done. */
  ok: 0,
  /** check/analyze: at least one warning or critical finding. */
  findings: 1,
  /** Bad input or usage: unknown command or option, missing folder, invalid service.yaml, unreadable evidence, an unexpected error. */
  usage: 2,
  /** check/analyze: nothing found, but a named layer could not be checked (not a clean bill of health). */
  notChecked: 3,
  /** apply: refused before changing anything (drift, validation failed, advice only). */
  refused: 4,
  /** apply: applied, verification failed, and the change was rolled back. */
  rolledBack: 5,
  /** apply: the change or its rollback failed; the live state needs a person. */
  failed: 6,
  /** apply: not applied, because the question was answered no. */
  declined: 7,
} as const;

/** The exit status of an apply outcome. */
export function applyExitCode(status: 'verified' | 'refused' | 'rolled-back' | 'failed' | 'declined'): number {
  switch (status) {
    case 'verified': return EXIT.ok;
    case 'refused': return EXIT.refused;
    case 'rolled-back': return EXIT.rolledBack;
    case 'failed': return EXIT.failed;
    case 'declined': return EXIT.declined;
  }
}

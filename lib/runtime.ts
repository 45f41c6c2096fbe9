import type { Catalog } from './catalog/catalog.ts';
import type { Service } from './evidence/service.ts';
import type { Store } from './store/store.ts';
import type { Engine } from './workflow/engine.ts';
import type { SlackApi } from './workflow/steps.ts';

/**
 * Everything a Lambda (or the dev bot) needs, built once per process: the store, the engine,
 * the catalog, Slack, the clock. In AWS it comes from the environment (SSM for secrets, Step
 * Functions, DynamoDB); locally from dynalite and the in-process engine; tests set their own.
 */
export interface Runtime {
  store: Store;
  engine: Engine;
  catalog: () => Promise<Catalog>;
  service: (name: string) => Promise<Service>;
  slack: SlackApi & { usergroups: { users: { list(a: { usergroup: string }): Promise<{ users?: string[] }> } } };
  now: () => Date;
  /** Where alarm triages go when the service names no channel. */
  alarmChannel: string | undefined;
  /** Alarms for one service within this window join the first one's thread. */
  dedupeWindowMs: number;
}

let current: Promise<Runtime> | undefined;

/** Uses this runtime from now on (tests, `npm run dev`). */
export function setRuntime(rt: Runtime | undefined): void {
  current = rt ? Promise.resolve(rt) : undefined;
}

/** The process's runtime, built from the environment on first use. */
export function getRuntime(): Promise<Runtime> {
  current ??= import('./runtime-env.ts').then((m) => m.runtimeFromEnv());
  return current;
}

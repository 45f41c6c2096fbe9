import {
  ConditionalCheckFailedException, CreateTableCommand, DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand,
  UpdateItemCommand, type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { Agent } from 'node:http';
import { gunzipSync, gzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';

type Item = Record<string, AttributeValue>;
const S = (s: string): AttributeValue => ({ S: s });
const N = (n: number): AttributeValue => ({ N: String(n) });

/** One triage: the service, who or what started it, and where its Slack thread is. */
export interface Triage {
  id: string;
  service: string;
  trigger: 'slash-command' | 'alarm' | 'cli';
  requester?: string;
  channel: string;
  threadTs?: string;
  messageTs?: string;
  createdAt: number;
  /** Plan id → approval id, for the buttons of the report. */
  approvals?: Record<string, string>;
  /** Layer → why it was not checked. */
  notChecked?: Record<string, string>;
  /** Set when the report's message could not be updated; the sweeper publishes it again. */
  publishPending?: boolean;
  /** Set when an alarm triage's execution could not be started; the sweeper starts it. */
  startPending?: boolean;
}

/**
 * Where an approval is. `pending` waits for decisions; `approved` has enough of them and waits
 * for its execution to resume; `applying`, `verifying` and `rolling-back` are the change in
 * flight. The rest are where every approval ends: {@link TERMINAL}.
 */
export type ApprovalStatus =
  | 'pending' | 'approved' | 'applying' | 'verifying' | 'rolling-back'
  | 'verified' | 'rolled-back' | 'refused' | 'rejected' | 'expired' | 'failed';

/**
 * The states an approval ends in: applied and verified, rolled back, refused (drift or a failed
 * validation: nothing written), rejected, expired, failed (the reason says what is live).
 */
export const TERMINAL: readonly ApprovalStatus[] = ['verified', 'rolled-back', 'refused', 'rejected', 'expired', 'failed'];

/** A plan waiting for a decision; its short id is all a button carries. */
export interface Approval {
  id: string;
  triageId: string;
  planId: string;
  risk: 'low' | 'medium' | 'high';
  requester?: string;
  /** The triage's channel: decisions are taken there and nowhere else. */
  channel?: string;
  status: ApprovalStatus;
  /** How many distinct approvers the plan needs (the catalog's `approvals` per risk). */
  required?: number;
  /** The approvers so far, in order. */
  approvedBy?: string[];
  /** Who took the deciding vote (the last approver, or the one who rejected) and when. */
  decidedBy?: string;
  decidedAt?: number;
  /** The token the execution waits on; kept in its own attribute so no write of the body can lose it. */
  taskToken?: string;
  /** When the waiting execution was resumed with the decision; unset means it still must be. */
  resumedAt?: number;
  /** Why resuming failed the last time (the sweeper tries again). */
  resumeError?: string;
  outcome?: string;
  /** How to undo the change, recorded before anything is written. */
  undo?: string;
  expiresAt: number;
  updatedAt?: number;
  /** Optimistic concurrency: every write of the body expects the version it read. */
  version?: number;
}

/** Why a decision was not recorded. */
export type DecisionRefusal = 'unknown' | 'already-decided' | 'expired' | 'already-voted';

/** One alarm noted in a triage's thread. */
export interface AlarmNote {
  at: number;
  alarm: string;
  state: string;
  reason?: string;
}

/** The coalesced alarm message of a triage's thread: how many alarms, and what Slack shows. */
export interface AlarmThread {
  triageId: string;
  service: string;
  channel: string;
  count: number;
  renderedCount: number;
  /** The latest alarms, newest first (trimmed to a few by each render). */
  latest: AlarmNote[];
  headerTs?: string;
  leaseUntil?: number;
}

/**
 * Kinds of open work the sweeper finishes: approvals not yet in a terminal state, alarm threads
 * Slack does not show in full yet, reports whose update failed, alarm triages not yet started.
 */
export type OpenKind = 'APPROVAL' | 'THREAD' | 'NOTICE' | 'START';

/** Bytes of compressed evidence per item, under DynamoDB's 400 KB item limit. */
const EVIDENCE_PART_BYTES = 300 * 1024;
/** How often a write that lost an optimistic-concurrency race reads again before giving up. */
const VERSION_RETRIES = 20;

/** A short, unguessable id for approvals and triages. */
export const newId = (prefix: string) => `${prefix}${randomBytes(9).toString('base64url')}`;

const conditionFailed = (e: unknown) => e instanceof ConditionalCheckFailedException || (e as { name?: string }).name === 'ConditionalCheckFailedException';

/**
 * Approvals, audit records, dedupe keys, evidence and thread references on the DynamoDB API:
 * DynamoDB in AWS, dynalite locally, one implementation. Every state change is a conditional
 * write on the item's version, so a double click, a Slack retry, a replayed payload or a race
 * with the execution changes state at most once and never loses another writer's change.
 * Expiry is checked in code (DynamoDB's TTL deletes late, dynalite not at all). Work that must
 * not be forgotten (open approvals, unrendered alarm threads, unpublished reports) is indexed
 * under the `OPEN` partition for the sweeper.
 */
export class Store {
  readonly db: DynamoDBClient;
  readonly table: string;
  constructor(db: DynamoDBClient, table: string) {
    this.db = db;
    this.table = table;
  }

  /** Creates the table (local stores; in AWS the deployment creates it). */
  async createTable(): Promise<void> {
    await this.db.send(new CreateTableCommand({
      TableName: this.table,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
    }));
  }

  private async get(pk: string, sk: string): Promise<Item | undefined> {
    return (await this.db.send(new GetItemCommand({ TableName: this.table, Key: { pk: S(pk), sk: S(sk) }, ConsistentRead: true }))).Item;
  }

  /** Marks work as open for the sweeper (idempotent). */
  async markOpen(kind: OpenKind, id: string, extra: Item = {}): Promise<void> {
    await this.db.send(new PutItemCommand({ TableName: this.table, Item: { pk: S('OPEN'), sk: S(`${kind}#${id}`), ...extra } }));
  }

  /** Clears the sweeper's marker for work that is done. */
  async clearOpen(kind: OpenKind, id: string): Promise<void> {
    await this.db.send(new DeleteItemCommand({ TableName: this.table, Key: { pk: S('OPEN'), sk: S(`${kind}#${id}`) } }));
  }

  /** The ids of open work of one kind, for the sweeper. */
  async open(kind: OpenKind): Promise<string[]> {
    const ids: string[] = [];
    let start: Item | undefined;
    do {
      const r = await this.db.send(new QueryCommand({
        TableName: this.table, KeyConditionExpression: 'pk = :p AND begins_with(sk, :k)',
        ExpressionAttributeValues: { ':p': S('OPEN'), ':k': S(`${kind}#`) }, ConsistentRead: true, ...(start ? { ExclusiveStartKey: start } : {}),
      }));
      for (const i of r.Items ?? []) ids.push(i.sk!.S!.slice(kind.length + 1));
      start = r.LastEvaluatedKey;
    } while (start);
    return ids;
  }

  async putTriage(t: Triage): Promise<void> {
    await this.db.send(new PutItemCommand({ TableName: this.table, Item: { pk: S(`TRIAGE#${t.id}`), sk: S('META'), body: S(JSON.stringify(t)), version: N(1) }, ConditionExpression: 'attribute_not_exists(pk)' }));
    await this.db.send(new PutItemCommand({ TableName: this.table, Item: { pk: S('RECENT'), sk: S(`${String(t.createdAt).padStart(15, '0')}#${t.id}`), service: S(t.service), expiresAt: N(Math.floor(t.createdAt / 1000) + 86_400) } }));
  }

  /** Triages started since `since` (ms), newest first, for `/sticky status`. */
  async recentTriages(since: number): Promise<Triage[]> {
    const r = await this.db.send(new QueryCommand({
      TableName: this.table, KeyConditionExpression: 'pk = :p AND sk >= :s', ExpressionAttributeValues: { ':p': S('RECENT'), ':s': S(String(since).padStart(15, '0')) }, ScanIndexForward: false, Limit: 20,
    }));
    const ids = (r.Items ?? []).map((i) => i.sk!.S!.split('#')[1]!);
    return (await Promise.all(ids.map((id) => this.getTriage(id)))).filter((t): t is Triage => t !== undefined);
  }

  async getTriage(id: string): Promise<Triage | undefined> {
    const item = await this.get(`TRIAGE#${id}`, 'META');
    return item?.body?.S ? (JSON.parse(item.body.S) as Triage) : undefined;
  }

  /** Sets fields of a triage without losing a concurrent writer's fields (versioned read-modify-write). */
  async updateTriage(id: string, fields: Partial<Triage>): Promise<Triage> {
    for (let attempt = 0; ; attempt++) {
      const item = await this.get(`TRIAGE#${id}`, 'META');
      if (!item?.body?.S) throw new Error(`no triage ${id}`);
      const version = Number(item.version?.N ?? 0);
      const t = { ...(JSON.parse(item.body.S) as Triage), ...fields };
      try {
        await this.db.send(new UpdateItemCommand({
          TableName: this.table, Key: { pk: S(`TRIAGE#${id}`), sk: S('META') },
          UpdateExpression: 'SET body = :b, version = :v1',
          ConditionExpression: version ? 'version = :v0' : 'attribute_not_exists(version)',
          ExpressionAttributeValues: { ':b': S(JSON.stringify(t)), ':v1': N(version + 1), ...(version ? { ':v0': N(version) } : {}) },
        }));
        if (fields.publishPending === true) await this.markOpen('NOTICE', id);
        if (fields.publishPending === false) await this.clearOpen('NOTICE', id);
        if (fields.startPending === true) await this.markOpen('START', id);
        if (fields.startPending === false) await this.clearOpen('START', id);
        return t;
      } catch (e) {
        if (!conditionFailed(e) || attempt >= VERSION_RETRIES) throw e;
      }
    }
  }

  /**
   * Stores evidence files of a triage, compressed, in parts small enough for DynamoDB's 400 KB
   * item limit (a large `nginx -T` of a fleet still fits).
   */
  async putEvidence(triageId: string, files: Map<string, string>): Promise<void> {
    for (const [path, text] of files) {
      const gz = gzipSync(text);
      const parts = Math.max(1, Math.ceil(gz.length / EVIDENCE_PART_BYTES));
      for (let i = 0; i < parts; i++) {
        await this.db.send(new PutItemCommand({
          TableName: this.table,
          Item: { pk: S(`TRIAGE#${triageId}`), sk: S(`FILE#${path}#${String(i).padStart(4, '0')}`), parts: N(parts), gz: { B: gz.subarray(i * EVIDENCE_PART_BYTES, (i + 1) * EVIDENCE_PART_BYTES) } },
        }));
      }
    }
  }

  async getEvidence(triageId: string): Promise<Map<string, string>> {
    const files = new Map<string, string>();
    const chunks = new Map<string, Uint8Array[]>();
    let start: Item | undefined;
    do {
      const r = await this.db.send(new QueryCommand({
        TableName: this.table, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :f)',
        ExpressionAttributeValues: { ':pk': S(`TRIAGE#${triageId}`), ':f': S('FILE#') }, ConsistentRead: true, ...(start ? { ExclusiveStartKey: start } : {}),
      }));
      for (const i of r.Items ?? []) {
        const key = i.sk!.S!.slice(5);
        const path = key.slice(0, key.lastIndexOf('#'));
        chunks.set(path, [...(chunks.get(path) ?? []), i.gz!.B!]);
      }
      start = r.LastEvaluatedKey;
    } while (start);
    for (const [path, parts] of chunks) files.set(path, gunzipSync(Buffer.concat(parts)).toString('utf8'));
    return files;
  }

  async createApproval(a: Approval): Promise<void> {
    const item: Item = { pk: S(`APPROVAL#${a.id}`), sk: S('META'), status: S(a.status), expiresAt: N(a.expiresAt), version: N(1), body: S(JSON.stringify(bodyOf({ ...a, version: 1 }))) };
    if (a.taskToken) item.taskToken = S(a.taskToken);
    await this.db.send(new PutItemCommand({ TableName: this.table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
    if (!TERMINAL.includes(a.status)) await this.markOpen('APPROVAL', a.id);
  }

  private approvalOf(item: Item | undefined): Approval | undefined {
    if (!item?.body?.S) return undefined;
    const a = JSON.parse(item.body.S) as Approval;
    return { ...a, status: item.status!.S as ApprovalStatus, version: Number(item.version?.N ?? 0), ...(item.taskToken?.S ? { taskToken: item.taskToken.S } : {}) };
  }

  async getApproval(id: string): Promise<Approval | undefined> {
    return this.approvalOf(await this.get(`APPROVAL#${id}`, 'META'));
  }

  /**
   * Records the task token the execution waits on, in its own attribute (the body and status are
   * untouched, so a decision written at the same moment is never lost) and bumps the version (so
   * a decision racing with it reads again and sees the token). Returns the approval as it is after
   * the write: if a decision is already there, the caller resumes the execution; if not, the
   * decision's own write will see the token. Exactly one side resumes.
   */
  async attachToken(id: string, taskToken: string): Promise<Approval> {
    try {
      const r = await this.db.send(new UpdateItemCommand({
        TableName: this.table, Key: { pk: S(`APPROVAL#${id}`), sk: S('META') },
        UpdateExpression: 'SET taskToken = :t ADD version :one', ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':t': S(taskToken), ':one': N(1) }, ReturnValues: 'ALL_NEW',
      }));
      return this.approvalOf(r.Attributes)!;
    } catch (e) {
      if (conditionFailed(e)) throw new Error(`no approval ${id}`);
      throw e;
    }
  }

  /**
   * Changes an approval with one conditional write on the version it read: `change` sees the
   * current approval and returns the new one, or a refusal. A write that lost a race reads again
   * and asks `change` again, so concurrent writers never overwrite each other.
   */
  async modify(id: string, change: (a: Approval) => Approval | DecisionRefusal): Promise<Approval | DecisionRefusal> {
    for (let attempt = 0; ; attempt++) {
      const a = await this.getApproval(id);
      if (!a) return 'unknown';
      const next = change(a);
      if (typeof next === 'string') return next;
      const version = a.version ?? 0;
      try {
        await this.db.send(new UpdateItemCommand({
          TableName: this.table, Key: { pk: S(`APPROVAL#${id}`), sk: S('META') },
          UpdateExpression: 'SET #s = :s, body = :b, version = :v1',
          ConditionExpression: 'version = :v0',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':s': S(next.status), ':b': S(JSON.stringify(bodyOf({ ...next, version: version + 1 }))), ':v1': N(version + 1), ':v0': N(version) },
        }));
        const written = { ...next, version: version + 1, ...(a.taskToken ? { taskToken: a.taskToken } : {}) };
        if (TERMINAL.includes(next.status) && !TERMINAL.includes(a.status)) await this.clearOpen('APPROVAL', id).catch(() => undefined);
        return written;
      } catch (e) {
        if (!conditionFailed(e) || attempt >= VERSION_RETRIES) throw e;
      }
    }
  }

  /**
   * Moves an approval from `from` (one status or several) to `to`, if and only if it is still
   * there and, when it leaves `pending`, not expired at `now`.
   */
  async transition(id: string, from: ApprovalStatus | readonly ApprovalStatus[], to: ApprovalStatus, now: number, fields: Partial<Approval> = {}): Promise<Approval | DecisionRefusal> {
    const froms: readonly ApprovalStatus[] = typeof from === 'string' ? [from] : from;
    return this.modify(id, (a) => {
      if (!froms.includes(a.status)) return 'already-decided';
      if (a.status === 'pending' && a.expiresAt <= now) return 'expired';
      return { ...a, ...fields, status: to, updatedAt: now };
    });
  }

  /**
   * Records one person's vote on a pending approval: a rejection decides at once; an approval
   * counts once per person and decides when `required` distinct people have approved.
   */
  async vote(id: string, user: string, decision: 'approve' | 'reject', now: number): Promise<Approval | DecisionRefusal> {
    return this.modify(id, (a) => {
      if (a.status !== 'pending') return 'already-decided';
      if (a.expiresAt <= now) return 'expired';
      if (decision === 'reject') return { ...a, status: 'rejected', decidedBy: user, decidedAt: now, updatedAt: now, outcome: `rejected by <@${user}>` };
      const approvedBy = a.approvedBy ?? [];
      if (approvedBy.includes(user)) return 'already-voted';
      const votes = [...approvedBy, user];
      const done = votes.length >= (a.required ?? 1);
      return { ...a, approvedBy: votes, updatedAt: now, ...(done ? { status: 'approved' as const, decidedBy: user, decidedAt: now } : {}) };
    });
  }

  /** Closes an approval nobody decided on before the execution stopped waiting. */
  async expire(id: string, now: number, outcome = 'expired without a decision'): Promise<Approval | DecisionRefusal> {
    return this.modify(id, (a) => (a.status === 'pending' ? { ...a, status: 'expired', outcome, updatedAt: now } : 'already-decided'));
  }

  /** Appends an audit record to a triage: every decision, refusal and outcome. */
  async audit(triageId: string, entry: Record<string, unknown>, now: number): Promise<void> {
    await this.db.send(new PutItemCommand({ TableName: this.table, Item: { pk: S(`TRIAGE#${triageId}`), sk: S(`AUDIT#${String(now).padStart(15, '0')}#${randomBytes(3).toString('hex')}`), body: S(JSON.stringify({ at: new Date(now).toISOString(), ...entry })) } }));
  }

  async auditTrail(triageId: string): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    let start: Item | undefined;
    do {
      const r = await this.db.send(new QueryCommand({
        TableName: this.table, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :a)', ExpressionAttributeValues: { ':pk': S(`TRIAGE#${triageId}`), ':a': S('AUDIT#') },
        ConsistentRead: true, ...(start ? { ExclusiveStartKey: start } : {}),
      }));
      for (const i of r.Items ?? []) out.push(JSON.parse(i.body!.S!) as Record<string, unknown>);
      start = r.LastEvaluatedKey;
    } while (start);
    return out;
  }

  /** The triage holding a service's dedupe window at `now` and when the window ends, if any (read only). */
  async heldDedupe(service: string, now: number): Promise<{ triageId: string; until: number } | undefined> {
    const item = await this.get(`DEDUPE#${service}`, 'META');
    const until = Number(item?.expiresAt?.N ?? 0);
    return item && until > now ? { triageId: item.triageId!.S!, until } : undefined;
  }

  /**
   * Claims the triage of a service for a dedupe window with one conditional write: the first
   * alarm wins and gets `claimed: true`; later ones get the triage that holds the window.
   */
  async claimDedupe(service: string, triageId: string, now: number, windowMs: number): Promise<{ claimed: true; until: number } | { claimed: false; triageId: string; until: number }> {
    try {
      await this.db.send(new PutItemCommand({
        TableName: this.table,
        Item: { pk: S(`DEDUPE#${service}`), sk: S('META'), triageId: S(triageId), expiresAt: N(now + windowMs) },
        ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
        ExpressionAttributeValues: { ':now': N(now) },
      }));
      return { claimed: true, until: now + windowMs };
    } catch (e) {
      if (!conditionFailed(e)) throw e;
      const item = await this.get(`DEDUPE#${service}`, 'META');
      return { claimed: false, triageId: item!.triageId!.S!, until: Number(item!.expiresAt!.N) };
    }
  }

  /**
   * Claims a signed Slack request (its signature and timestamp) once: true the first time, false
   * for a replay inside `ttlMs`. The item expires with DynamoDB's TTL; expiry is checked in code.
   */
  async claimRequest(key: string, now: number, ttlMs: number): Promise<boolean> {
    try {
      await this.db.send(new PutItemCommand({
        TableName: this.table,
        Item: { pk: S(`REQUEST#${key}`), sk: S('META'), expiresAt: N(Math.floor((now + ttlMs) / 1000)) },
        ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
        ExpressionAttributeValues: { ':now': N(Math.floor(now / 1000)) },
      }));
      return true;
    } catch (e) {
      if (conditionFailed(e)) return false;
      throw e;
    }
  }

  /**
   * Counts one alarm in a triage's thread in one atomic write: the count with ADD, the note put
   * first in the thread's list of latest alarms (trimmed by whoever renders), and the thread
   * opened with its service and channel if no alarm did it yet. Concurrent alarms never collide.
   * Returns the thread as it is after the write (a render lease held by someone else means that
   * holder will show this alarm too).
   */
  async addAlarmNote(triageId: string, note: AlarmNote, service: string, channel: string): Promise<AlarmThread> {
    const r = await this.db.send(new UpdateItemCommand({
      TableName: this.table, Key: { pk: S(`THREAD#${triageId}`), sk: S('META') },
      UpdateExpression: 'SET service = if_not_exists(service, :s), channel = if_not_exists(channel, :c), renderedCount = if_not_exists(renderedCount, :zero), latest = list_append(:n, if_not_exists(latest, :empty)) ADD #c :one',
      ExpressionAttributeNames: { '#c': 'count' },
      ExpressionAttributeValues: { ':one': N(1), ':zero': N(0), ':s': S(service), ':c': S(channel), ':n': { L: [S(JSON.stringify(note))] }, ':empty': { L: [] } },
      ReturnValues: 'ALL_NEW',
    }));
    return threadOf(triageId, r.Attributes)!;
  }

  async getAlarmThread(triageId: string): Promise<AlarmThread | undefined> {
    return threadOf(triageId, await this.get(`THREAD#${triageId}`, 'META'));
  }

  /**
   * Takes the right to render a thread until `until`; undefined when someone else holds it. The
   * thread is marked open for the sweeper while it is held, so a holder that dies is covered.
   */
  async leaseAlarmThread(triageId: string, now: number, until: number): Promise<AlarmThread | undefined> {
    try {
      const r = await this.db.send(new UpdateItemCommand({
        TableName: this.table, Key: { pk: S(`THREAD#${triageId}`), sk: S('META') },
        UpdateExpression: 'SET leaseUntil = :u', ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(leaseUntil) OR leaseUntil <= :now)',
        ExpressionAttributeValues: { ':u': N(until), ':now': N(now) }, ReturnValues: 'ALL_NEW',
      }));
      await this.markOpen('THREAD', triageId);
      return threadOf(triageId, r.Attributes);
    } catch (e) {
      if (conditionFailed(e)) return undefined;
      throw e;
    }
  }

  /**
   * Gives the lease back, recording what Slack now shows and dropping all but the `keep` latest
   * notes the holder saw (`seen` of them); clears the sweeper's marker when all is shown.
   */
  async releaseAlarmThread(triageId: string, renderedCount: number, headerTs?: string, seen = 0, keep = 5): Promise<AlarmThread> {
    // Highest index first: DynamoDB reads every index against the list before the update, an
    // emulator that removes one by one would shift the rest; this order is right for both.
    const trim = Array.from({ length: Math.max(0, seen - keep) }, (_, i) => `latest[${seen - 1 - i}]`);
    const r = await this.db.send(new UpdateItemCommand({
      TableName: this.table, Key: { pk: S(`THREAD#${triageId}`), sk: S('META') },
      UpdateExpression: `SET renderedCount = :r${headerTs ? ', headerTs = :h' : ''} REMOVE leaseUntil${trim.length ? `, ${trim.join(', ')}` : ''}`,
      ExpressionAttributeValues: { ':r': N(renderedCount), ...(headerTs ? { ':h': S(headerTs) } : {}) }, ReturnValues: 'ALL_NEW',
    }));
    const t = threadOf(triageId, r.Attributes)!;
    if (t.count <= t.renderedCount && t.headerTs) await this.clearOpen('THREAD', triageId);
    return t;
  }
}

function bodyOf(a: Approval): Omit<Approval, 'taskToken'> {
  const { taskToken: _, ...rest } = a;
  return rest;
}

function threadOf(triageId: string, item: Item | undefined): AlarmThread | undefined {
  if (!item) return undefined;
  return {
    triageId, service: item.service?.S ?? '', channel: item.channel?.S ?? '', count: Number(item.count?.N ?? 0), renderedCount: Number(item.renderedCount?.N ?? 0),
    latest: (item.latest?.L ?? []).map((n) => JSON.parse(n.S!) as AlarmNote),
    ...(item.headerTs?.S ? { headerTs: item.headerTs.S } : {}), ...(item.leaseUntil?.N ? { leaseUntil: Number(item.leaseUntil.N) } : {}),
  };
}

/**
 * A store on dynalite started in this process: in memory, or on disk for a long-running dev bot.
 * Returns the store and a function that stops the server.
 */
export async function localStore(opts: { path?: string; table?: string } = {}): Promise<{ store: Store; endpoint: string; stop: () => Promise<void> }> {
  const { default: dynalite } = await import('dynalite');
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(opts.path ? { path: opts.path } : {}) });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  // One process plays many Lambda containers here (the dev bot, the tests): give it their sockets.
  const db = new DynamoDBClient({ endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: 512 }) } });
  const store = new Store(db, opts.table ?? 'sticky');
  try {
    await store.createTable();
  } catch (e) {
    if ((e as { name?: string }).name !== 'ResourceInUseException') throw e;
  }
  return { store, endpoint, stop: () => new Promise((r) => server.close(() => r())) };
}

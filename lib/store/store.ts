import {
  ConditionalCheckFailedException, CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand,
  UpdateItemCommand, type AttributeValue,
} from '@aws-sdk/client-dynamodb';
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
}

/** A plan waiting for a decision; its short id is all a button carries. */
export interface Approval {
  id: string;
  triageId: string;
  planId: string;
  risk: 'low' | 'medium' | 'high';
  requester?: string;
  status: 'pending' | 'approved' | 'rejected' | 'applying' | 'done' | 'rolled-back';
  taskToken?: string;
  decidedBy?: string;
  decidedAt?: number;
  outcome?: string;
  undo?: string;
  expiresAt: number;
}

/** Why a decision was not recorded. */
export type DecisionRefusal = 'unknown' | 'already-decided' | 'expired';

/** Bytes of compressed evidence per item, under DynamoDB's 400 KB item limit. */
const EVIDENCE_PART_BYTES = 300 * 1024;

/** A short, unguessable id for approvals and triages. */
export const newId = (prefix: string) => `${prefix}${randomBytes(9).toString('base64url')}`;

/**
 * Approvals, audit records, dedupe keys, evidence and thread references on the DynamoDB API:
 * DynamoDB in AWS, dynalite locally, one implementation. Every state change is a conditional
 * write, so a double click, a Slack retry or a replayed payload changes state at most once.
 * Expiry is checked in code (DynamoDB's TTL deletes late, dynalite not at all).
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

  async putTriage(t: Triage): Promise<void> {
    await this.db.send(new PutItemCommand({ TableName: this.table, Item: { pk: S(`TRIAGE#${t.id}`), sk: S('META'), body: S(JSON.stringify(t)) }, ConditionExpression: 'attribute_not_exists(pk)' }));
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

  async updateTriage(id: string, fields: Partial<Triage>): Promise<Triage> {
    const t = { ...(await this.getTriage(id))!, ...fields };
    await this.db.send(new PutItemCommand({ TableName: this.table, Item: { pk: S(`TRIAGE#${id}`), sk: S('META'), body: S(JSON.stringify(t)) } }));
    return t;
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
    await this.db.send(new PutItemCommand({ TableName: this.table, Item: this.approvalItem(a), ConditionExpression: 'attribute_not_exists(pk)' }));
  }

  private approvalItem(a: Approval): Item {
    return { pk: S(`APPROVAL#${a.id}`), sk: S('META'), status: S(a.status), expiresAt: N(a.expiresAt), body: S(JSON.stringify(a)) };
  }

  async getApproval(id: string): Promise<Approval | undefined> {
    const item = await this.get(`APPROVAL#${id}`, 'META');
    return item?.body?.S ? (JSON.parse(item.body.S) as Approval) : undefined;
  }

  /** Records the task token the execution waits on (the button handler resumes it). */
  async attachToken(id: string, taskToken: string): Promise<void> {
    const a = await this.getApproval(id);
    if (!a) throw new Error(`no approval ${id}`);
    await this.db.send(new PutItemCommand({ TableName: this.table, Item: this.approvalItem({ ...a, taskToken }) }));
  }

  /**
   * Moves an approval from `from` to `to` if and only if it is still in `from` and not expired
   * at `now`: one conditional write, so concurrent clicks and replays decide once.
   */
  async transition(id: string, from: Approval['status'], to: Approval['status'], now: number, fields: Partial<Approval> = {}): Promise<Approval | DecisionRefusal> {
    const a = await this.getApproval(id);
    if (!a) return 'unknown';
    if (a.status !== from) return 'already-decided';
    if (from === 'pending' && a.expiresAt <= now) return 'expired';
    const next: Approval = { ...a, ...fields, status: to };
    try {
      await this.db.send(new UpdateItemCommand({
        TableName: this.table, Key: { pk: S(`APPROVAL#${id}`), sk: S('META') },
        UpdateExpression: 'SET #s = :to, body = :body',
        ConditionExpression: from === 'pending' ? '#s = :from AND expiresAt > :now' : '#s = :from',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':to': S(to), ':from': S(from), ':body': S(JSON.stringify(next)), ...(from === 'pending' ? { ':now': N(now) } : {}) },
      }));
      return next;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException || (e as { name?: string }).name === 'ConditionalCheckFailedException') return 'already-decided';
      throw e;
    }
  }

  /** Closes an approval nobody decided on before the execution stopped waiting. */
  async expire(id: string): Promise<void> {
    const a = await this.getApproval(id);
    if (!a || a.status !== 'pending') return;
    await this.db.send(new UpdateItemCommand({
      TableName: this.table, Key: { pk: S(`APPROVAL#${id}`), sk: S('META') },
      UpdateExpression: 'SET #s = :done, body = :body', ConditionExpression: '#s = :pending',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':done': S('done'), ':pending': S('pending'), ':body': S(JSON.stringify({ ...a, status: 'done', outcome: 'expired without a decision' })) },
    })).catch((e: { name?: string }) => {
      if (e.name !== 'ConditionalCheckFailedException') throw e;
    });
  }

  /** Appends an audit record to a triage: every decision, refusal and outcome. */
  async audit(triageId: string, entry: Record<string, unknown>, now: number): Promise<void> {
    await this.db.send(new PutItemCommand({ TableName: this.table, Item: { pk: S(`TRIAGE#${triageId}`), sk: S(`AUDIT#${String(now).padStart(15, '0')}#${randomBytes(3).toString('hex')}`), body: S(JSON.stringify({ at: new Date(now).toISOString(), ...entry })) } }));
  }

  async auditTrail(triageId: string): Promise<Record<string, unknown>[]> {
    const r = await this.db.send(new QueryCommand({ TableName: this.table, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :a)', ExpressionAttributeValues: { ':pk': S(`TRIAGE#${triageId}`), ':a': S('AUDIT#') }, ConsistentRead: true }));
    return (r.Items ?? []).map((i) => JSON.parse(i.body!.S!) as Record<string, unknown>);
  }

  /** The triage holding a service's dedupe window at `now`, if any (read only). */
  async heldDedupe(service: string, now: number): Promise<string | undefined> {
    const item = await this.get(`DEDUPE#${service}`, 'META');
    return item && Number(item.expiresAt?.N) > now ? item.triageId?.S : undefined;
  }

  /**
   * Claims the triage of a service for a dedupe window with one conditional write: the first
   * alarm wins and gets `claimed: true`; later ones get the triage that holds the window.
   */
  async claimDedupe(service: string, triageId: string, now: number, windowMs: number): Promise<{ claimed: true } | { claimed: false; triageId: string }> {
    try {
      await this.db.send(new PutItemCommand({
        TableName: this.table,
        Item: { pk: S(`DEDUPE#${service}`), sk: S('META'), triageId: S(triageId), expiresAt: N(now + windowMs) },
        ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
        ExpressionAttributeValues: { ':now': N(now) },
      }));
      return { claimed: true };
    } catch (e) {
      if ((e as { name?: string }).name !== 'ConditionalCheckFailedException') throw e;
      const item = await this.get(`DEDUPE#${service}`, 'META');
      return { claimed: false, triageId: item!.triageId!.S! };
    }
  }
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
  const db = new DynamoDBClient({ endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const store = new Store(db, opts.table ?? 'sticky');
  try {
    await store.createTable();
  } catch (e) {
    if ((e as { name?: string }).name !== 'ResourceInUseException') throw e;
  }
  return { store, endpoint, stop: () => new Promise((r) => server.close(() => r())) };
}

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/** The part of an API Gateway (REST or HTTP API) event a Slack request is checked on; anything may be missing. */
export const SlackHttpEventSchema = z.looseObject({
  body: z.string().nullish(),
  headers: z.record(z.string(), z.string().nullish()).nullish(),
  isBase64Encoded: z.boolean().nullish(),
});

/** Slack signs a request with its timestamp; Sticky accepts it this many seconds either way, then never again. */
export const SIGNATURE_WINDOW_SECONDS = 300;

/** What a request turned out to be: which kind, and the key that makes a replay recognisable. */
export interface VerifiedRequest {
  ok: true;
  kind: 'command' | 'action' | 'other';
  /** Slack's own redelivery (X-Slack-Retry-Num): answered and dropped, the first delivery was handled. */
  retry: boolean;
  /** Signature and timestamp, hashed: the same signed request has the same key. */
  replayKey: string;
  /** For a slash command, the form fields; for an action, the parsed payload. */
  fields: Record<string, unknown>;
}

/** Why a request was refused: 401 when it is not provably Slack's, 400 when Slack's but malformed. */
export interface RefusedRequest {
  ok: false;
  status: 400 | 401;
  reason: string;
}

/**
 * Checks a request before anything else reads it, never throwing: the event's shape, the v0
 * signature (HMAC-SHA256 of `v0:timestamp:body` with the signing secret, compared in constant
 * time), a timestamp within five minutes of now in either direction (Slack's window; a request
 * from the future is refused too), then the body: a form (slash command, or `payload=` JSON of a
 * button click) or JSON. Unsigned or stale: 401; signed but malformed: 400.
 */
export function verifySlackRequest(event: unknown, signingSecret: string, nowSeconds: number): VerifiedRequest | RefusedRequest {
  const parsed = SlackHttpEventSchema.safeParse(event);
  if (!parsed.success) return { ok: false, status: 400, reason: 'not an HTTP event' };
  const headers = Object.fromEntries(Object.entries(parsed.data.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v ?? undefined]));
  const raw = parsed.data.body ?? '';
  const body = parsed.data.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  const ts = headers['x-slack-request-timestamp'];
  const sig = headers['x-slack-signature'];
  if (!ts || !/^\d{1,12}$/.test(ts)) return { ok: false, status: 401, reason: 'no request timestamp' };
  if (!sig || !/^v0=[0-9a-f]{64}$/.test(sig)) return { ok: false, status: 401, reason: 'no v0 signature' };
  if (Math.abs(nowSeconds - Number(ts)) > SIGNATURE_WINDOW_SECONDS) return { ok: false, status: 401, reason: 'timestamp outside the five-minute window' };
  const expected = Buffer.from(`v0=${createHmac('sha256', signingSecret).update(`v0:${ts}:${body}`).digest('hex')}`);
  if (!timingSafeEqual(expected, Buffer.from(sig))) return { ok: false, status: 401, reason: 'signature mismatch' };
  const replayKey = createHash('sha256').update(`${ts}:${sig}`).digest('base64url');
  const retry = headers['x-slack-retry-num'] !== undefined;
  const type = (headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') {
    const form = Object.fromEntries(new URLSearchParams(body));
    if (typeof form.payload === 'string') {
      let payload: unknown;
      try {
        payload = JSON.parse(form.payload);
      } catch {
        return { ok: false, status: 400, reason: 'payload is not JSON' };
      }
      if (!payload || typeof payload !== 'object' || Array.isArray(payload)) return { ok: false, status: 400, reason: 'payload is not an object' };
      return { ok: true, kind: 'action', retry, replayKey, fields: payload as Record<string, unknown> };
    }
    if (typeof form.command === 'string') return { ok: true, kind: 'command', retry, replayKey, fields: form };
    return { ok: false, status: 400, reason: 'a form with neither command nor payload' };
  }
  if (type === 'application/json') {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return { ok: false, status: 400, reason: 'body is not JSON' };
    }
    if (!json || typeof json !== 'object' || Array.isArray(json)) return { ok: false, status: 400, reason: 'body is not a JSON object' };
    return { ok: true, kind: 'other', retry, replayKey, fields: json as Record<string, unknown> };
  }
  return { ok: false, status: 400, reason: `unsupported content type "${type || 'none'}"` };
}

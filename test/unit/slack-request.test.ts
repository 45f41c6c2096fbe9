/**
 * The check every Slack request passes before anything reads it (lib/slack/request.ts): Slack's
 * v0 signature over `v0:timestamp:body` and its five-minute window, at the exact edges.
 */
import { describe, expect, it } from '@jest/globals';
import { verifySlackRequest } from '../../lib/slack/request.ts';
import { signedEvent, slashBody } from '../support/slack-api-double.ts';

const SECRET = 'test-signing-secret';
const NOW = 1_800_000_000;
const body = 'token=x&team_id=T1&channel_id=C1&user_id=U1&command=%2Fsticky&text=check+checkout';
const verdict = (event: unknown, now = NOW) => {
  const v = verifySlackRequest(event, SECRET, now);
  return v.ok ? `ok ${v.kind}` : `${v.status} ${v.reason}`;
};

describe('verifySlackRequest: the signature', () => {
  it('accepts a request signed with the signing secret and refuses one signed with another', () => {
    // Act
    const genuine = verdict(signedEvent(body, SECRET, NOW));
    const forged = verdict(signedEvent(body, 'another-secret', NOW));

    // Assess
    expect([genuine, forged]).toEqual(['ok command', '401 signature mismatch']);
  });

  it('signs the body: a signed request whose body was replaced is refused', () => {
    // Prepare
    const event = signedEvent(body, SECRET, NOW);
    const swapped = { ...event, body: body.replace('check+checkout', 'check+payments') };

    // Act / Assess
    expect(verdict(swapped)).toBe('401 signature mismatch');
  });

  it('signs the timestamp: a signature moved to another timestamp is refused', () => {
    // Prepare
    const event = signedEvent(body, SECRET, NOW);
    const moved = { ...event, headers: { ...event.headers, 'X-Slack-Request-Timestamp': String(NOW - 1) } };

    // Act / Assess
    expect(verdict(moved)).toBe('401 signature mismatch');
  });

  it('refuses a request without timestamp or v0 signature', () => {
    // Prepare
    const event = signedEvent(body, SECRET, NOW);
    const { 'X-Slack-Signature': _, ...noSignature } = event.headers;
    const { 'X-Slack-Request-Timestamp': __, ...noTimestamp } = event.headers;

    // Act / Assess
    expect(verdict({ ...event, headers: noSignature })).toBe('401 no v0 signature');
    expect(verdict({ ...event, headers: noTimestamp })).toBe('401 no request timestamp');
    expect(verdict({ ...event, headers: { ...event.headers, 'X-Slack-Signature': 'v1=abc' } })).toBe('401 no v0 signature');
  });

  it('verifies a base64-encoded body as the bytes Slack signed', () => {
    // Prepare
    const event = signedEvent(body, SECRET, NOW);
    const encoded = { ...event, body: Buffer.from(body).toString('base64'), isBase64Encoded: true };

    // Act / Assess
    expect(verdict(encoded)).toBe('ok command');
  });
});

describe('verifySlackRequest: the five-minute window', () => {
  it('accepts a request exactly five minutes old or ahead, and refuses one a second more either way', () => {
    // Act
    const results = [-301, -300, 0, 300, 301].map((offset) => verdict(signedEvent(body, SECRET, NOW + offset)));

    // Assess
    expect(results).toEqual([
      '401 timestamp outside the five-minute window', 'ok command', 'ok command', 'ok command', '401 timestamp outside the five-minute window',
    ]);
  });

  it('gives the same signed request the same replay key and another request another', () => {
    // Prepare
    const one = signedEvent(slashBody('check checkout'), SECRET, NOW);
    const other = signedEvent(slashBody('check checkout'), SECRET, NOW);

    // Act
    const keys = [one, one, other].map((e) => {
      const v = verifySlackRequest(e, SECRET, NOW);
      return v.ok ? v.replayKey : v.reason;
    });

    // Assess
    expect(keys[0]).toBe(keys[1]);
    expect(keys[2]).not.toBe(keys[0]);
  });
});

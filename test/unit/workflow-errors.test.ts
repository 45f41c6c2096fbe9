/**
 * How the runbook tells a failure worth retrying from one that is not (lib/workflow/errors.ts),
 * on the error shapes the AWS SDK, WebClient, the Kubernetes client and the network produce.
 */
import { describe, expect, it } from '@jest/globals';
import { SFNServiceException } from '@aws-sdk/client-sfn';
import { classify, deadline, describeError, isTransient, TransientError } from '../../lib/workflow/errors.ts';

const aws = (name: string, status: number, message = name) => new SFNServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status }, message });
const withCode = (message: string, fields: Record<string, unknown>) => Object.assign(new Error(message), fields);

describe('isTransient', () => {
  it('retries throttling, 429s and 5xx, timeouts and broken connections', () => {
    // Prepare
    const transient = [
      aws('ThrottlingException', 400), aws('TooManyRequestsException', 429), aws('InternalFailure', 500), aws('SomethingNew', 503),
      withCode('A rate-limit has been reached', { code: 'slack_webapi_rate_limited_error' }),
      withCode('A request error occurred: fetch failed', { code: 'slack_webapi_request_error' }),
      withCode('An HTTP protocol error occurred: statusCode = 502', { code: 'slack_webapi_http_error', statusCode: 502 }),
      withCode('connect ECONNREFUSED 127.0.0.1:443', { code: 'ECONNREFUSED' }),
      withCode('request failed', { original: { code: 'ECONNRESET' } }),
      withCode('HTTP-Code: 503', { statusCode: 503 }),
      new Error('the API server timed out'),
      new TransientError('Slack did not answer'),
    ];

    // Act / Assess
    expect(transient.map((e) => [e.message, isTransient(e)])).toEqual(transient.map((e) => [e.message, true]));
  });

  it('does not retry a denial, a validation error, a missing resource or an HTTP 4xx from Slack', () => {
    // Prepare
    const final = [
      aws('AccessDeniedException', 400), aws('ValidationException', 400), aws('StateMachineDoesNotExist', 400),
      withCode('An HTTP protocol error occurred: statusCode = 404', { code: 'slack_webapi_http_error', statusCode: 404 }),
      withCode('An API error occurred: invalid_auth', { code: 'slack_webapi_platform_error', data: { error: 'invalid_auth' } }),
      new Error('no triage t1'), undefined,
    ];

    // Act / Assess
    expect(final.map((e) => isTransient(e))).toEqual(final.map(() => false));
  });
});

describe('classify and describeError', () => {
  it('rethrows a transient failure as Sticky.Transient naming what failed, and anything else as it is', () => {
    // Prepare
    const throttled = aws('ThrottlingException', 400, 'Rate exceeded');
    const denied = aws('AccessDeniedException', 400, 'not authorized');

    // Act
    const t = classify(throttled, 'Step Functions');
    const d = classify(denied, 'Step Functions');
    const s = classify('a string', 'the store');

    // Assess
    expect([t.name, t.message, t.cause]).toEqual(['Sticky.Transient', 'Step Functions: ThrottlingException: Rate exceeded', throttled]);
    expect(classify(t, 'again')).toBe(t);
    expect(d).toBe(denied);
    expect([s.name, s.message]).toEqual(['Error', 'the store: a string']);
  });

  it('describes an error by its code and message once, on one line of at most 300 characters', () => {
    // Act / Assess
    expect(describeError(withCode('An API error occurred: invalid_auth', { data: { error: 'invalid_auth' } }))).toBe('An API error occurred: invalid_auth');
    expect(describeError(withCode('the token is bad', { data: { error: 'invalid_auth' } }))).toBe('invalid_auth: the token is bad');
    expect(describeError(new TransientError('Slack did not answer'))).toBe('Slack did not answer');
    expect(describeError(withCode('read\n  ECONNRESET', { code: 'ECONNRESET' }))).toBe('read ECONNRESET');
    expect(describeError(new Error('x'.repeat(400)))).toHaveLength(300);
    expect(describeError('plain')).toBe('plain');
  });
});

describe('deadline', () => {
  it('returns what finishes in time and fails as transient what does not', async () => {
    // Act
    const fast = await deadline('the store', 1000, async () => 'answer');
    const slow = await deadline('Slack', 20, () => new Promise(() => undefined)).catch((e: unknown) => e as Error);

    // Assess
    expect(fast).toBe('answer');
    expect(slow).toBeInstanceOf(TransientError);
    expect((slow as Error).message).toBe('Slack did not answer within 20 ms');
  });
});

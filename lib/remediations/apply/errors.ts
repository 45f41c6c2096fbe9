/** The live state no longer matches the plan's `before`: someone changed it since collection. */
export class DriftError extends Error {
  override readonly name = 'DriftError';
}

/** The changed configuration failed `haproxy -c` / `nginx -t`: nothing was written. */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
}

/** The plan cannot be applied here (advice, unknown target, missing pid file, ...). */
export class ApplyError extends Error {
  override readonly name: string = 'ApplyError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The plan cannot be applied with what this catalog entry and evidence hold (an instance or a
 * section the entry lacks, an object the evidence lacks): found before anything is written, so
 * the apply is refused and nothing changed.
 */
export class NotApplicableError extends ApplyError {
  override readonly name = 'NotApplicableError';
}

/**
 * A write whose result is unknown: the service answered 5xx, timed out or the connection broke
 * after the request was sent, so the change may or may not be live. Never treated as "nothing
 * written": the caller verifies what is live, and rolls back if it is not what the plan wanted.
 */
export class UncertainWriteError extends Error {
  override readonly name = 'UncertainWriteError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

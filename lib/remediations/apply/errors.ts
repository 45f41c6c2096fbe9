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
  override readonly name = 'ApplyError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

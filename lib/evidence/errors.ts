/**
 * Raised when a bundle cannot be analyzed at all: the folder is missing, `service.yaml` is absent
 * or invalid. The CLI maps it to exit code 2 and prints `message` only, never a stack trace.
 */
export class BundleError extends Error {
  override readonly name = 'BundleError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Raised by a parser when one evidence file is malformed. `line` is 1-based when known. The
 * bundle reader turns it into a "could not read <file>:<line>: <reason>" problem and carries on
 * with the other files, so one bad file never hides the other layers.
 */
export class EvidenceParseError extends Error {
  override readonly name = 'EvidenceParseError';
  readonly line: number | undefined;
  constructor(message: string, line?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.line = line;
  }
}

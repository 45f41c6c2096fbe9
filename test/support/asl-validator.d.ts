declare module 'asl-validator' {
  /** Validates an Amazon States Language definition. */
  export default function validator(definition: unknown): { isValid: boolean; errors: unknown[] };
}

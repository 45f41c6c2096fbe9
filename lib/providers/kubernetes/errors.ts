/** The HTTP status of a client error (ApiException carries `code`). */
export function statusOf(e: unknown): number | undefined {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

/** The API server's message of a failed call (its Status object), short. */
export function messageOf(e: unknown): string {
  const body = (e as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      const status = JSON.parse(body) as { message?: string };
      if (status.message) return status.message;
    } catch {
      return body.slice(0, 200);
    }
  }
  return (e as Error).message?.split('\n')[0] ?? String(e);
}

import { z } from 'zod';

/** One Set-Cookie as the probe saw it; the value is always `<redacted>`. */
export const ProbeCookieSchema = z.looseObject({
  name: z.string(),
  value: z.literal('<redacted>'),
  domain: z.string().optional(),
  path: z.string().optional(),
  expires: z.string().optional(),
  maxAge: z.number().optional(),
  secure: z.boolean().default(false),
  httpOnly: z.boolean().default(false),
  sameSite: z.enum(['Strict', 'Lax', 'None']).optional(),
  size: z.number().int().nonnegative(),
});

/**
 * One HTTP exchange (or WebSocket upgrade) recorded by the live probe. `session` numbers the
 * probe's independent sessions (from 0): a session's `no-jar` request is its first, without
 * cookies; its `jar` requests and `websocket` upgrades carry the cookies it was given. Bundles
 * written before sessions existed have none: their `jar` exchanges are one session.
 */
export const ProbeExchangeSchema = z.looseObject({
  phase: z.enum(['no-jar', 'jar', 'websocket']),
  session: z.number().int().nonnegative().optional(),
  at: z.string().optional(),
  request: z.looseObject({ url: z.string(), cookies: z.array(z.string()).default([]) }),
  response: z
    .looseObject({
      status: z.number().int(),
      backend: z.string().optional(),
      date: z.string().optional(),
      setCookies: z.array(ProbeCookieSchema).default([]),
    })
    .optional(),
  error: z.string().optional(),
});

/**
 * `probe/exchanges.json`: what the probe asked and saw. Cookie values are redacted at record
 * time, so the file (and anything rendered from it) never holds one.
 */
export const ProbeExchangesSchema = z.looseObject({
  url: z.string(),
  backendHeader: z.string().optional(),
  exchanges: z.array(ProbeExchangeSchema),
});

/** `meta.json`: when and why the bundle was collected, and the layers that could not be. */
export const MetaSchema = z.looseObject({
  collectedAt: z.iso.datetime({ offset: true }).optional(),
  trigger: z.string().optional(),
  notChecked: z.record(z.string(), z.string()).default({}),
  /** Partial failures of a layer that was still checked (a Runtime API that did not answer). */
  notes: z.array(z.string()).default([]),
});

export type ProbeExchanges = z.infer<typeof ProbeExchangesSchema>;
export type ProbeExchange = z.infer<typeof ProbeExchangeSchema>;
export type ProbeCookie = z.infer<typeof ProbeCookieSchema>;
export type Meta = z.infer<typeof MetaSchema>;

/**
 * Health checks that take a backend out in less than this many seconds (interval × failures)
 * are tighter than every tool's default (HAProxy 2 s × 3, NGINX Plus 5 s × 1, ALB, Kubernetes)
 * and flapping-prone (CAUSES.md). Exactly this long is not a finding.
 */
export const FLAP_SECONDS = 5;

/** A server marked down this many times or more since HAProxy (re)started has been seen flapping... */
export const FLAP_DOWNS = 3;

/** ...when its last up/down change is more recent than this many seconds (the hour before the check). */
export const FLAP_RECENT_SECONDS = 3600;

/** The time to mark a server down that the slower-checks fixes set (HAProxy `inter 5s fall 3`, NGINX Plus `interval=5s fails=3`). */
export const SLOW_CHECK_SECONDS = 15;

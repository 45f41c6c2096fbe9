/**
 * Health checks that mark a backend down in less than this (`interval × fall`, `periodSeconds ×
 * failureThreshold`) are tighter than every tool's default and flap on a short stall (CAUSES.md);
 * the defaults themselves (HAProxy 2 s × 3, NGINX Plus 5 s × 1, ALB, Kubernetes 10 s × 3) are not.
 * Exactly this long is not a finding.
 */
export const FLAP_SECONDS = 5;

/** How many times a count must rise again after falling, in one window, to be called flapping (up, down, up). */
export const FLAP_RISES = 2;

/** A server marked down this many times or more since HAProxy (re)started has been seen flapping... */
export const FLAP_DOWNS = 3;

/** ...when its last up/down change is more recent than this many seconds (the hour before the check). */
export const FLAP_RECENT_SECONDS = 3600;

/** The time to mark a server down that the slower-checks fixes set (HAProxy `inter 5s fall 3`, NGINX Plus `interval=5s fails=3`). */
export const SLOW_CHECK_SECONDS = 15;

/**
 * Health checks that mark a backend down in less than this (`interval × fall`, `periodSeconds ×
 * failureThreshold`) are tighter than every tool's default and flap on a short stall (CAUSES.md);
 * the defaults themselves (HAProxy 2 s × 3, NGINX Plus 5 s × 1, ALB, Kubernetes 10 s × 3) are not.
 */
export const FLAP_SECONDS = 5;

/** How many times a count must rise again after falling, in one window, to be called flapping (up, down, up). */
export const FLAP_RISES = 2;

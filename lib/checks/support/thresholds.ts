/** Health checks that take a backend out faster than this are considered flapping-prone (CAUSES.md). */
export const FLAP_SECONDS = 10;

/** The layers a bundle can hold; CloudWatch files belong to `aws`. */
export const LAYERS = ['aws', 'haproxy', 'kubernetes', 'nginx', 'probe'] as const;
export type Layer = (typeof LAYERS)[number];

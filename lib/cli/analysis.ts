/**
 * What `sticky analyze`, `check` and `apply` need to turn evidence into a report, gathered in one
 * module so the compiled CLI loads it as one piece rather than as many small shared chunks.
 */
export { analyze, exitCode } from '../checks/analyze.ts';
export { parseBundle } from '../evidence/bundle.ts';
export { readBundle } from '../evidence/read-bundle.ts';
export { probeCounts } from '../report/probe-counts.ts';
export { changeLines, renderText, styleFor } from './render-text.ts';

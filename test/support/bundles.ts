import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyze, type Report } from '../../lib/checks/analyze.ts';
import { parseBundle, type RawBundle } from '../../lib/evidence/bundle.ts';
import { readBundle } from '../../lib/evidence/read-bundle.ts';

/** The test/fixtures folder. */
export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

/** Names of every fixture bundle. */
export function fixtureNames(): string[] {
  return readdirSync(FIXTURES, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
}

/** Reads and analyzes one fixture bundle. */
export async function analyzeFixture(name: string): Promise<Report> {
  return analyze(parseBundle(await readBundle(join(FIXTURES, name))));
}

/** Builds a raw bundle in memory: `{ 'service.yaml': '...', 'haproxy/a.cfg': '...' }`. */
export function raw(files: Record<string, string>): RawBundle {
  return { files: new Map(Object.entries(files)) };
}

/** A minimal valid service.yaml, with extra lines appended. */
export function serviceYaml(...extra: string[]): string {
  return ['name: checkout', 'hosts: [shop.example.com]', 'paths: ["/", "/cart"]', 'sessionTimeoutSeconds: 3600', ...extra].join('\n');
}

/** Analyzes an in-memory bundle. */
export function analyzeFiles(files: Record<string, string>): Report {
  return analyze(parseBundle(raw(files)));
}

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { parseRemoteLocation } from '../lib/catalog/remote.ts';
import { iamStatements } from '../lib/deploy/iam.ts';
import { loadDefinition } from '../lib/workflow/definition.ts';

/** The runbook with its step Lambda as a CloudFormation reference (serverless-step-functions resolves it). */
export function deployableDefinition(): unknown {
  const marker = 'arn:aws:lambda:eu-west-1:000000000000:function:sticky-step';
  const swap = (v: unknown): unknown =>
    v === marker ? { 'Fn::GetAtt': ['StepLambdaFunction', 'Arn'] } : Array.isArray(v) ? v.map(swap) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, swap(x)])) : v;
  return swap(loadDefinition(marker));
}

/**
 * Builds the deployable artifacts offline: one esbuild bundle per Lambda (ES modules with code
 * splitting, so what a function loads lazily stays out of its cold start), the IAM statements
 * derived from the code, then `osls package` for the CloudFormation template.
 * `npm run package -- --no-sls` stops after the bundles; `--catalog s3://bucket/key` (or
 * `ssm:/name`) deploys functions that read their catalog from there, with read access to it.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, '.build');
export const FUNCTIONS = ['slack', 'alarm', 'step', 'sweeper'] as const;

/**
 * Modules Bolt loads for receivers the Slack Lambda never constructs (Express, Socket Mode, OAuth
 * installs): replaced by a stub so they stay out of the cold start.
 */
export const UNUSED_IN_LAMBDA = ['@slack/socket-mode', 'express', '@slack/oauth', 'jsonwebtoken'];

/** Builds every function; `entryBytes` is what a cold start loads (the entry and its static imports). */
export async function bundle(opts: { catalog?: string } = {}): Promise<Record<string, { entryBytes: number; totalBytes: number }>> {
  rmSync(out, { recursive: true, force: true });
  const sizes: Record<string, { entryBytes: number; totalBytes: number }> = {};
  for (const fn of FUNCTIONS) {
    const dir = join(out, fn);
    const result = await build({
      metafile: true,
      entryPoints: { index: join(root, 'functions', `${fn}.ts`) },
      outdir: dir, bundle: true, splitting: true, format: 'esm', platform: 'node', target: 'node24', minify: true, outExtension: { '.js': '.mjs' },
      external: ['@aws-sdk/*'], logLevel: 'error', legalComments: 'none',
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
      loader: { '.yaml': 'text' },
      ...(fn === 'slack' ? { alias: Object.fromEntries(UNUSED_IN_LAMBDA.map((m) => [m, join(root, 'scripts', 'stubs', 'unused.cjs')])) } : {}),
    });
    const files = readdirSync(dir);
    const outputs = result.metafile.outputs;
    const startup = new Set<string>();
    const visit = (file: string) => {
      if (startup.has(file)) return;
      startup.add(file);
      for (const i of outputs[file]?.imports ?? []) if (i.kind === 'import-statement' && outputs[i.path]) visit(i.path);
    };
    visit(Object.keys(outputs).find((f) => f.endsWith(`${fn}/index.mjs`))!);
    sizes[fn] = { entryBytes: [...startup].reduce((n, f) => n + outputs[f]!.bytes, 0), totalBytes: files.reduce((n, f) => n + statSync(join(dir, f)).size, 0) };
  }
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'iam.json'), JSON.stringify(iamStatements(opts.catalog ? { catalog: opts.catalog } : {}), null, 2));
  writeFileSync(join(out, 'definition.json'), JSON.stringify(deployableDefinition(), null, 2));
  return sizes;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { catalog: { type: 'string' }, 'no-sls': { type: 'boolean' } } });
  if (values.catalog) parseRemoteLocation(values.catalog);
  else if (!existsSync(join(root, 'sticky.config.yaml'))) {
    process.stderr.write('npm run package: warning: there is no sticky.config.yaml, so the functions are packaged without a catalog and the bot will know no service. Write one (`npx sticky init <service>`, or copy sticky.config.example.yaml) before deploying, or pass --catalog s3://bucket/key or --catalog ssm:/parameter.\n');
  }
  const sizes = await bundle(values.catalog ? { catalog: values.catalog } : {});
  for (const [fn, s] of Object.entries(sizes)) console.log(`${fn.padEnd(6)} entry ${(s.entryBytes / 1024).toFixed(0)} KiB, with lazy chunks ${(s.totalBytes / 1024).toFixed(0)} KiB`);
  if (!values['no-sls']) {
    const params = values.catalog ? ['--param', `catalog=${values.catalog}`] : [];
    execFileSync(join(root, 'node_modules', '.bin', 'osls'), ['package', '--stage', 'prod', '--region', 'eu-west-1', ...params], { cwd: root, stdio: 'inherit', env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' } });
  }
}

/** The version `sticky --version` prints; a test holds it equal to package.json's. */
export const VERSION = '0.1.0';

/** One option of a command, as help shows it and the parser reads it. */
export interface OptionSpec {
  name: string;
  short?: string;
  /** The value's placeholder (`PATH`); absent for a flag. */
  value?: string;
  /** The values it accepts, for messages and shell completion. */
  choices?: readonly string[];
  /** What completion offers for the value: files, folders, or `choices`. */
  complete?: 'file' | 'dir';
  help: string;
}

/** One command: what help prints and what the parser and completion know of it. */
export interface CommandSpec {
  name: string;
  /** `<service>`, `[name]`, ...: the positional arguments, for the usage line. */
  args: string;
  /** How many positional arguments it takes. */
  positionals: [min: number, max: number];
  /** What completion offers for the positional: catalog services, folders, or fixed words. */
  completeArg?: 'service' | 'dir' | readonly string[];
  summary: string;
  description: string;
  options: OptionSpec[];
  examples: string[];
  exits: string;
}

/** The output formats of check and analyze. */
export const REPORT_FORMATS = ['text', 'json', 'blocks'] as const;

const catalog: OptionSpec = {
  name: 'catalog', short: 'c', value: 'PATH', complete: 'file',
  help: 'the catalog: a YAML list of services, a folder of one file each, s3://bucket/key or ssm:/parameter (default: $STICKY_CATALOG, else ./sticky.config.yaml)',
};
const reportFormat: OptionSpec = {
  name: 'format', short: 'f', value: 'FORMAT', choices: REPORT_FORMATS,
  help: 'text (default: for a person), json (one object, docs/report.md) or blocks (the Slack message the bot posts)',
};
const REPORT_EXITS = '0 healthy, 1 findings, 2 bad input or usage, 3 a named layer could not be checked (docs/cli.md)';

/** The options every command takes. */
export const COMMON_OPTIONS: OptionSpec[] = [
  { name: 'no-color', help: 'no colour, even on a terminal (NO_COLOR and FORCE_COLOR are honoured too)' },
  { name: 'debug', help: 'print the stack trace of an unexpected error' },
  { name: 'help', short: 'h', help: 'this help' },
];

/** Every command, in the order help lists them. */
export const COMMANDS: CommandSpec[] = [
  {
    name: 'check', args: '<service>', positionals: [1, 1], completeArg: 'service',
    summary: 'collect a service\'s layers live and say what breaks its sticky sessions',
    description: 'Collects every layer the catalog entry names, concurrently (AWS ALB/NLB and CloudWatch, Kubernetes, HAProxy, NGINX, a live probe of the URL), analyzes what it got and prints the findings and the proposed fixes. A layer that cannot be reached is reported as not checked, never as healthy.',
    options: [
      catalog,
      { name: 'save-evidence', value: 'DIR', complete: 'dir', help: 'keep the evidence bundle in DIR, a new or empty folder (for `sticky apply` and `sticky analyze`)' },
      reportFormat,
      { name: 'timeout', value: 'MS', help: 'one deadline for the whole command, in milliseconds (default 20000, at least 500)' },
    ],
    examples: ['sticky check checkout', 'sticky check checkout --save-evidence ./incident-42', 'sticky check checkout --format json --timeout 10000'],
    exits: REPORT_EXITS,
  },
  {
    name: 'analyze', args: '<bundle>', positionals: [1, 1], completeArg: 'dir',
    summary: 'analyze an evidence bundle offline (no network)',
    description: 'Reads an evidence bundle, a folder of what `aws`, `kubectl`, the HAProxy socket and `nginx -T` print plus the service\'s service.yaml (docs/evidence-bundle.md), and analyzes it exactly as `check` would. Nothing is contacted.',
    options: [reportFormat],
    examples: ['sticky analyze ./incident-42', 'sticky analyze examples/checkout-incident --format json'],
    exits: REPORT_EXITS,
  },
  {
    name: 'apply', args: '<plan-id>', positionals: [1, 1],
    summary: 'apply one proposed fix safely: drift check, validate, write, reload, verify, roll back',
    description: 'Takes a plan from a bundle that `check --save-evidence DIR` wrote, re-reads the live state and refuses on drift, validates the change (haproxy -c, nginx -t, a Kubernetes dry run), applies it with a backup, verifies that the finding is gone and rolls back by itself when it is not. Asks before changing anything unless --yes.',
    options: [
      { name: 'evidence', short: 'e', value: 'DIR', complete: 'dir', help: 'the bundle the plan came from (required)' },
      { name: 'yes', short: 'y', help: 'apply without asking (needed when there is no terminal to ask on)' },
      { name: 'format', short: 'f', value: 'FORMAT', choices: ['text', 'json'], help: 'text (default) or json (the outcome as one object, docs/cli.md)' },
    ],
    examples: ['sticky apply haproxy.edge1.app.raise-cookie-lifetime --evidence ./incident-42', 'sticky apply elbv2.checkout-tg.enable-stickiness -e ./incident-42 --yes --format json'],
    exits: '0 applied and verified, 2 bad input or usage, 4 refused (nothing changed), 5 rolled back, 6 failed (needs a person), 7 answered no (docs/cli.md)',
  },
  {
    name: 'services', args: '', positionals: [0, 0],
    summary: 'list the catalog\'s services and the layers each one has',
    description: 'Lists every service of the catalog with the layers `check` will collect and its host names.',
    options: [catalog, { name: 'format', short: 'f', value: 'FORMAT', choices: ['text', 'json', 'names'], help: 'text (default), json (the catalog entries) or names (one per line, for scripts)' }],
    examples: ['sticky services', 'sticky services --catalog ./services/ --format json'],
    exits: '0 listed, 2 no catalog or an invalid one',
  },
  {
    name: 'init', args: '[<name>]', positionals: [0, 1],
    summary: 'write a commented catalog entry to start from',
    description: 'Adds an entry for a new service to the catalog (creating ./sticky.config.yaml, or the --catalog file, when there is none; a folder catalog gets a new file), every field explained in a comment. Edit it, then `sticky check <name>`. sticky.config.example.yaml shows complete entries for each layer.',
    options: [catalog, { name: 'host', value: 'HOST', help: 'the host name clients use (default <name>.example.com)' }],
    examples: ['sticky init checkout', 'sticky init checkout --host shop.example.com --catalog ./services/'],
    exits: '0 written, 2 the name exists already or the catalog cannot be written',
  },
  {
    name: 'completion', args: '<bash|zsh>', positionals: [1, 1], completeArg: ['bash', 'zsh'],
    summary: 'print shell completion for bash or zsh',
    description: 'Prints a completion script: commands, options, formats, and service names from the catalog.',
    options: [],
    examples: ['sticky completion bash > ~/.local/share/bash-completion/completions/sticky', 'sticky completion zsh > "${fpath[1]}/_sticky"', 'source <(sticky completion bash)   # for this shell only'],
    exits: '0 printed, 2 unknown shell',
  },
  {
    name: 'help', args: '[<command>]', positionals: [0, 1], completeArg: ['check', 'analyze', 'apply', 'services', 'init', 'completion', 'help'],
    summary: 'show help for sticky or for one command',
    description: 'Without a command, lists the commands; with one, prints its options and examples (same as `sticky <command> --help`).',
    options: [],
    examples: ['sticky help check'],
    exits: '0',
  },
];

/** The spec of a command by name. */
export function commandSpec(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name);
}

/** Wraps prose to `width` columns with a hanging indent. */
function fill(text: string, indent: string, width = 96): string {
  const out: string[] = [];
  let line = indent;
  for (const word of text.split(' ')) {
    if (line.trim() !== '' && line.length + 1 + word.length > width) {
      out.push(line);
      line = `${indent}${word}`;
    } else line = line.trim() === '' ? `${indent}${word}` : `${line} ${word}`;
  }
  out.push(line);
  return out.join('\n');
}

function optionRows(options: OptionSpec[]): string[] {
  const left = options.map((o) => `${o.short ? `-${o.short}, ` : '    '}--${o.name}${o.value ? ` ${o.value}` : ''}`);
  const width = Math.max(...left.map((l) => l.length)) + 2;
  return options.map((o, i) => fill(o.help, ' '.repeat(width + 2), 100).replace(/^ +/, `  ${left[i]!.padEnd(width)}`));
}

/** `sticky <command> --help`: usage, what it does, its options, examples and exit codes. */
export function commandHelp(c: CommandSpec): string {
  return [
    `sticky ${c.name}: ${c.summary}`,
    '',
    `Usage: sticky ${c.name}${c.args ? ` ${c.args}` : ''}${c.options.length ? ' [options]' : ''}`,
    '',
    fill(c.description, '  '),
    '',
    'Options:',
    ...optionRows([...c.options, ...COMMON_OPTIONS]),
    '',
    'Examples:',
    ...c.examples.map((e) => `  ${e}`),
    '',
    `Exit codes: ${c.exits}`,
    '',
  ].join('\n');
}

/** `sticky help`: the commands, where the documentation is, the exit codes. */
export function generalHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    'sticky: diagnose and fix load-balancer sticky-session failures',
    '',
    'Usage: sticky <command> [arguments] [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Run `sticky <command> --help` (or `sticky help <command>`) for its options and examples.',
    '`sticky --version` prints the version.',
    '',
    'The catalog is --catalog PATH, else $STICKY_CATALOG, else ./sticky.config.yaml: a YAML list of',
    'service entries or a folder of one file per service (`sticky init` writes one to start from);',
    's3://bucket/key and ssm:/parameter/name read it from S3 or SSM Parameter Store.',
    '',
    'Exit codes: 0 healthy (apply: verified), 1 findings, 2 bad input or usage, 3 a named layer (or an',
    'instance of one) could not be checked; apply: 4 refused, 5 rolled back, 6 failed, 7 answered no.',
    '',
    'Documentation in this repository:',
    '  docs/cli.md              every command, option and exit code',
    '  docs/evidence-bundle.md  the evidence bundle `analyze` reads and `check --save-evidence` writes',
    '  docs/report.md           the report: JSON output, verdicts, cause codes',
    '',
  ].join('\n');
}

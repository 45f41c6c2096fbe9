import { COMMANDS, COMMON_OPTIONS, type CommandSpec, type OptionSpec } from './commands.ts';

const optionsOf = (c: CommandSpec): OptionSpec[] => [...c.options, ...COMMON_OPTIONS];
const flags = (o: OptionSpec) => [`--${o.name}`, ...(o.short ? [`-${o.short}`] : [])];

/** The bash script: commands, each command's options, option values, services from the catalog. */
function bash(): string {
  const valueCases = COMMANDS.flatMap((c) => optionsOf(c).filter((o) => o.value).map((o) => {
    const pattern = flags(o).map((f) => `${c.name}:${f}`).join('|');
    const body = o.choices ? `COMPREPLY=( $(compgen -W "${o.choices.join(' ')}" -- "$cur") )`
      : o.complete === 'dir' ? 'compopt -o filenames; COMPREPLY=( $(compgen -d -- "$cur") )'
        : o.complete === 'file' ? 'compopt -o filenames; COMPREPLY=( $(compgen -f -- "$cur") )'
          : 'COMPREPLY=()';
    return `    ${pattern}) ${body}; return ;;`;
  }));
  const optionCases = COMMANDS.map((c) => `    ${c.name}) COMPREPLY=( $(compgen -W "${optionsOf(c).flatMap(flags).join(' ')}" -- "$cur") ) ;;`);
  const argCases = COMMANDS.filter((c) => c.completeArg).map((c) => {
    const body = c.completeArg === 'service'
      ? 'COMPREPLY=( $(compgen -W "$("${COMP_WORDS[0]}" services --format names ${catalog:+--catalog "$catalog"} 2>/dev/null)" -- "$cur") )'
      : c.completeArg === 'dir' ? 'compopt -o filenames; COMPREPLY=( $(compgen -d -- "$cur") )'
        : `COMPREPLY=( $(compgen -W "${(c.completeArg as readonly string[]).join(' ')}" -- "$cur") )`;
    return `    ${c.name}) ${body} ;;`;
  });
  return `# bash completion for sticky: source <(sticky completion bash)
_sticky() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" cmd="\${COMP_WORDS[1]}" catalog="" i
  COMPREPLY=()
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W "${COMMANDS.map((c) => c.name).join(' ')} --help --version" -- "$cur") )
    return
  fi
  for ((i = 2; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in --catalog|-c) catalog="\${COMP_WORDS[i+1]}" ;; esac
  done
  case "$cmd:$prev" in
${valueCases.join('\n')}
  esac
  if [[ "$cur" == -* ]]; then
    case "$cmd" in
${optionCases.join('\n')}
    esac
    return
  fi
  case "$cmd" in
${argCases.join('\n')}
  esac
}
complete -F _sticky sticky
`;
}

/** A description safe inside a single-quoted zsh `_arguments` spec: no parentheses, brackets or colons. */
const zshText = (s: string) =>
  s.replace(/\([^)]*\)/g, '').split(':')[0]!.replace(/[[\]`$]/g, '').replace(/'/g, `'\\''`).replace(/\s+([,.;])/g, '$1').replace(/\s+/g, ' ').trim();

/** The zsh script: `#compdef sticky`, one `_arguments` spec per command. */
function zsh(): string {
  const described = COMMANDS.map((c) => `    '${c.name}:${zshText(c.summary)}'`).join('\n');
  const perCommand = COMMANDS.map((c) => {
    const specs = optionsOf(c).map((o) => {
      const names = flags(o);
      const head = names.length > 1 ? `'(${names.join(' ')})'{${names.join(',')}}` : `'${names[0]}`;
      const open = names.length > 1 ? `'` : '';
      const action = !o.value ? '' : o.choices ? `:${o.value.toLowerCase()}:(${o.choices.join(' ')})` : o.complete === 'dir' ? `:${o.value.toLowerCase()}:_files -/` : o.complete === 'file' ? `:${o.value.toLowerCase()}:_files` : `:${o.value.toLowerCase()}: `;
      return `        ${head}${open}[${zshText(o.help)}]${action}'`;
    });
    const arg = c.completeArg === 'service' ? `'1:service:_sticky_services'`
      : c.completeArg === 'dir' ? `'1:folder:_files -/'`
        : c.completeArg ? `'1:${c.args.replace(/[<>[\]|]/g, '') || 'arg'}:(${(c.completeArg as readonly string[]).join(' ')})'` : '';
    return `      (${c.name})\n        _arguments \\\n${[...specs, ...(arg ? [`        ${arg}`] : [])].join(' \\\n')}\n        ;;`;
  }).join('\n');
  return `#compdef sticky
# zsh completion for sticky: sticky completion zsh > "\${fpath[1]}/_sticky" (or source it after compinit)
_sticky_services() {
  local -a services catalog
  local i
  for ((i = 1; i < $#words; i++)); do
    [[ $words[i] == --catalog || $words[i] == -c ]] && catalog=(--catalog "$words[i+1]")
  done
  services=(\${(f)"$(sticky services --format names $catalog 2>/dev/null)"})
  _describe 'service' services
}

_sticky() {
  local -a commands
  commands=(
${described}
  )
  local curcontext="$curcontext" state line
  _arguments -C '(- *)--version[print the version]' '(- *)'{-h,--help}'[show help]' '1: :->command' '*:: :->args'
  case $state in
    (command) _describe 'command' commands ;;
    (args)
      case $line[1] in
${perCommand}
      esac
      ;;
  esac
}

if [[ $funcstack[1] == _sticky ]]; then _sticky "$@"; else compdef _sticky sticky; fi
`;
}

/** `sticky completion bash|zsh`: a completion script generated from the command specs. */
export function completionScript(shell: 'bash' | 'zsh'): string {
  return shell === 'bash' ? bash() : zsh();
}

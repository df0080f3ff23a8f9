import type { Command, Option } from 'commander';
import { valueHint, type ValueHint } from './completion-hints.ts';

/**
 * `nodeward completion bash|zsh|fish`: completion scripts generated from the command tree itself
 * (commands, their options, the values an option takes, the bundled playbooks), so a new flag
 * completes without anyone editing a script. Pure: program and playbook names in, text out.
 */

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

interface Spec {
  readonly name: string;
  readonly summary: string;
  readonly options: readonly { readonly flags: readonly string[]; readonly short?: string | undefined; readonly long?: string | undefined; readonly takesValue: boolean; readonly hint: ValueHint | undefined; readonly description: string }[];
  /** Whether positional arguments are playbooks (bundled names or files). */
  readonly playbooks: boolean;
  readonly words: readonly string[];
}

function specOf(command: Command): Spec {
  const options = [...command.options, helpOption(command)].flatMap((o: Option | undefined) =>
    o === undefined ? [] : [{ flags: [o.short, o.long].filter((f): f is string => f !== undefined), short: o.short, long: o.long, takesValue: o.required || o.optional, hint: valueHint(o), description: firstClause(o.description) }],
  );
  const argument = command.registeredArguments[0];
  const playbooks = argument?.name() === 'playbook';
  const words = argument && !playbooks && argument.argChoices ? argument.argChoices : [];
  return { name: command.name(), summary: firstClause(command.summary() || command.description()), options, playbooks, words };
}

function helpOption(command: Command): Option | undefined {
  return (command as unknown as { _getHelpOption?: () => Option | null })._getHelpOption?.() ?? undefined;
}

/** Short enough for a completion menu; free of the characters each shell's syntax would trip on. */
function firstClause(text: string): string {
  const clause = text.split(/(?<=[.;:])\s|\n/)[0] ?? '';
  return clause.replace(/[[\]'"`$\\:]/g, '').replace(/\s+/g, ' ').slice(0, 70).trim();
}

export function completionScript(shell: Shell, program: Command, playbookNames: readonly string[]): string {
  const commands = program.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden).map(specOf);
  switch (shell) {
    case 'bash':
      return bash(commands, playbookNames);
    case 'zsh':
      return zsh(commands, playbookNames);
    case 'fish':
      return fish(commands, playbookNames);
  }
}

function bash(commands: readonly Spec[], playbooks: readonly string[]): string {
  const cases = commands.map((c) => {
    const values = c.options.filter((o) => o.takesValue).map((o) => {
      const words = o.hint && 'words' in o.hint ? `COMPREPLY=( $(compgen -W "${o.hint.words.join(' ')}" -- "$cur") ); return ;;` : o.hint && 'files' in o.hint ? 'COMPREPLY=( $(compgen -f -- "$cur") ); return ;;' : 'return ;;';
      return `        ${o.flags.join('|')}) ${words}`;
    });
    const positional = c.playbooks ? `COMPREPLY=( $(compgen -W "${playbooks.join(' ')}" -- "$cur") $(compgen -f -- "$cur") )` : c.words.length > 0 ? `COMPREPLY=( $(compgen -W "${c.words.join(' ')}" -- "$cur") )` : ':';
    return [
      `    ${c.name})`,
      ...(values.length > 0 ? ['      case "$prev" in', ...values, '      esac'] : []),
      `      if [[ "$cur" == -* ]]; then COMPREPLY=( $(compgen -W "${c.options.flatMap((o) => o.flags).join(' ')}" -- "$cur") ); else ${positional}; fi`,
      '      ;;',
    ].join('\n');
  });
  return [
    '# nodeward completion for bash. Load it with: source <(nodeward completion bash)',
    '# or install it: nodeward completion bash > /etc/bash_completion.d/nodeward',
    '_nodeward() {',
    '  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"',
    '  COMPREPLY=()',
    '  if [[ $COMP_CWORD -eq 1 ]]; then',
    `    COMPREPLY=( $(compgen -W "${commands.map((c) => c.name).join(' ')} --help --version" -- "$cur") )`,
    '    return',
    '  fi',
    '  case "${COMP_WORDS[1]}" in',
    ...cases,
    '  esac',
    '}',
    'complete -o filenames -o bashdefault -F _nodeward nodeward',
    '',
  ].join('\n');
}

function zsh(commands: readonly Spec[], playbooks: readonly string[]): string {
  const action = (hint: ValueHint | undefined): string => (hint && 'words' in hint ? `:value:(${hint.words.join(' ')})` : hint && 'files' in hint ? ':file:_files' : ':value: ');
  const cases = commands.map((c) => {
    const specs = c.options.map((o) => {
      const description = o.description.replace(/[[\]]/g, '');
      const value = o.takesValue ? action(o.hint) : '';
      if (o.short && o.long) return `'(${o.short} ${o.long})'{${o.short},${o.long}}'[${description}]${value}'`;
      return `'${o.flags[0] ?? ''}[${description}]${value}'`;
    });
    if (c.playbooks) specs.push(`'*:playbook:{_alternative "bundled:bundled playbook:(${playbooks.join(' ')})" "files:playbook file:_files"}'`);
    else if (c.words.length > 0) specs.push(`':${c.name}:(${c.words.join(' ')})'`);
    return [`    ${c.name})`, `      _arguments -s \\`, ...specs.map((s, i) => `        ${s}${i < specs.length - 1 ? ' \\' : ''}`), '      ;;'].join('\n');
  });
  return [
    '#compdef nodeward',
    '# nodeward completion for zsh. Load it with: source <(nodeward completion zsh)',
    '# or install it as _nodeward in a directory of $fpath.',
    '_nodeward() {',
    '  local -a commands',
    `  commands=(${commands.map((c) => `'${c.name}:${c.summary}'`).join(' ')})`,
    '  if (( CURRENT == 2 )); then',
    "    _describe 'command' commands",
    '    return',
    '  fi',
    '  local command=$words[2]',
    '  shift words',
    '  (( CURRENT-- ))',
    '  case $command in',
    ...cases,
    '  esac',
    '}',
    'if [ "$funcstack[1]" = "_nodeward" ]; then _nodeward "$@"; else compdef _nodeward nodeward; fi',
    '',
  ].join('\n');
}

function fish(commands: readonly Spec[], playbooks: readonly string[]): string {
  const lines = [
    '# nodeward completion for fish. Load it with: nodeward completion fish | source',
    '# or install it: nodeward completion fish > ~/.config/fish/completions/nodeward.fish',
    'complete -c nodeward -f',
    ...commands.map((c) => `complete -c nodeward -n __fish_use_subcommand -a ${c.name} -d '${c.summary}'`),
  ];
  for (const c of commands) {
    const when = `-n '__fish_seen_subcommand_from ${c.name}'`;
    for (const o of c.options) {
      const names = [o.short ? `-s ${o.short.slice(1)}` : '', o.long ? `-l ${o.long.slice(2)}` : ''].filter(Boolean).join(' ');
      const value = !o.takesValue ? '' : o.hint && 'words' in o.hint ? ` -x -a '${o.hint.words.join(' ')}'` : o.hint && 'files' in o.hint ? ' -r -F' : ' -x';
      lines.push(`complete -c nodeward ${when} ${names}${value} -d '${o.description}'`);
    }
    if (c.playbooks) lines.push(`complete -c nodeward ${when} -F -a '${playbooks.join(' ')}' -d 'bundled playbook'`);
    else if (c.words.length > 0) lines.push(`complete -c nodeward ${when} -a '${c.words.join(' ')}'`);
  }
  return lines.join('\n') + '\n';
}

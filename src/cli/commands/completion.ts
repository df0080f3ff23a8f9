import { Argument, type Command } from 'commander';
import { readdirSync } from 'node:fs';
import { completionScript, SHELLS, type Shell } from '../completion.ts';
import { BUNDLED_PLAYBOOKS } from '../../run/inputs.ts';

function bundledNames(): string[] {
  return readdirSync(BUNDLED_PLAYBOOKS)
    .filter((file) => file.endsWith('.yaml'))
    .map((file) => file.slice(0, -'.yaml'.length))
    .sort();
}

export function registerCompletion(program: Command): void {
  program
    .command('completion')
    .summary('print a shell completion script (bash, zsh, fish)')
    .description(
      'Prints a completion script for your shell: commands, their flags, the values a flag takes ' +
        '(-o formats, --diff modes, --benchmark versions) and the bundled playbooks. Made from the ' +
        'commands themselves, so it is always as new as nodeward.',
    )
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(SHELLS))
    .addHelpText(
      'after',
      '\nLoad it now, or put it where your shell looks:\n' +
        '  source <(nodeward completion bash)                # ~/.bashrc; or > /etc/bash_completion.d/nodeward\n' +
        '  source <(nodeward completion zsh)                 # ~/.zshrc; or > "${fpath[1]}/_nodeward"\n' +
        '  nodeward completion fish | source                 # or > ~/.config/fish/completions/nodeward.fish',
    )
    .action((shell: Shell) => {
      process.stdout.write(completionScript(shell, program, bundledNames()));
    });
}

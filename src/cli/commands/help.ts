import type { Command } from 'commander';
import { CliError } from '../context.ts';
import { bashCompletion } from '../completion.ts';

/** `mailfold help user add`: commander's own help command reads only one word. */
export function helpCommand(program: Command): void {
  program.helpCommand(false);
  program
    .command('help [command...]')
    .description('show the help of a command, e.g. mailfold help user add')
    .action((words: string[]) => {
      let cmd = program;
      for (const word of words) {
        const sub = cmd.commands.find((c) => c.name() === word || c.aliases().includes(word));
        if (!sub) throw new CliError(`no such command: ${[...words.slice(0, words.indexOf(word)), word].join(' ')} (see mailfold help)`);
        cmd = sub;
      }
      cmd.outputHelp();
    });
}

export function completionCommand(program: Command): void {
  program
    .command('completion <shell>')
    .description('print a shell completion script: bash (source <(mailfold completion bash))')
    .action((shell: string) => {
      if (shell !== 'bash') throw new CliError(`no completion for ${JSON.stringify(shell)}; supported: bash`);
      process.stdout.write(bashCompletion(program));
    });
}

// Running a commander program the lsml way: bad input is one line on stderr and exit code 2, stack
// traces only with --debug.
import { Command, CommanderError } from 'commander';

/** exitOverride + one-line errors on `cmd` and all its subcommands. */
function oneLineErrors(cmd: Command, prefix: string): void {
  const full = cmd.parent ? `${prefix} ${cmd.name()}` : prefix;
  cmd.exitOverride();
  cmd.configureOutput({
    outputError: (str, write) => write(`${prefix}: ${str.replace(/^error:\s*/, '').trim()} (see '${full} --help')\n`),
  });
  for (const sub of cmd.commands) oneLineErrors(sub, prefix);
}

/**
 * Parse `argv` (process.argv form) with `program` and run it. Usage errors and `CliError`s are printed as
 * `<prefix>: <message>` and exit with code 2; other errors too, with their stack under `--debug`.
 */
export async function runCli(program: Command, argv: readonly string[] = process.argv, prefix = program.name()): Promise<void> {
  const debug = argv.includes('--debug') || argv.includes('-d');
  oneLineErrors(program, prefix);
  try {
    await program.parseAsync([...argv]);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and --version end here with exit code 0; usage errors were printed in one line already.
      process.exit(err.exitCode === 0 ? 0 : 2);
    }
    const message = err instanceof Error ? (debug ? (err.stack ?? err.message) : err.message) : String(err);
    process.stderr.write(`${prefix}: ${message}\n`);
    process.exit(2);
  }
}

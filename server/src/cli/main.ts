/**
 * `celery-routing` — the CLI front end over the same engine as the language server.
 * Every failure is one clear line on stderr and a non-zero exit; never a stack trace.
 */
import { parseArgs, UsageError } from './args';
import { commands } from './commands';
import { CliError } from './errors';

const USAGE = `usage: celery-routing <command> [options]

commands:
  route TASK [--root DIR] [--queue Q] [--exchange E] [--routing-key K] [--priority N] [--countdown S] [--eta ISO] [--send-task] [--app ID] [--json]
                          where a message for TASK goes, step by step
  check [DIR] [--format text|json|sarif]
                          routing diagnostics; exit 1 when any error
  graph [DIR] [--format mermaid|dot|json|svg|html]
                          the routing topology
  queues [DIR] [--json]   declared queues, who routes to them, who consumes them
  tasks [DIR] [--json]    tasks and where each goes
  broker [DIR] [--url URL] [--json]
                          compare a live broker with the config; exit 1 on drift
  definitions [DIR] [--vhost V] [--config PATH] [--profile NAME]
                          the RabbitMQ definitions the config implies (for rabbitmqctl import_definitions)
  lsp --stdio             run the language server over stdio (for any LSP client)

  --help, -h              this text
  --version               the version`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') { process.stdout.write(USAGE + '\n'); return cmd ? 0 : 2; }
  if (cmd === '--version') { process.stdout.write(`${VERSION}\n`); return 0; }
  const command = commands[cmd];
  if (!command) throw new UsageError(`unknown command '${cmd}' (try: ${Object.keys(commands).join(', ')})`);
  const args = parseArgs(rest, command.flags, command.aliases);
  return command.run(args);
}

declare const __VERSION__: string | undefined;
const VERSION = typeof __VERSION__ === 'string' ? __VERSION__ : '0.1.0';

if (require.main === module) {
  // `celery-routing tasks | head`: the reader went away; that ends the output, not in a stack trace.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    process.stderr.write(`celery-routing: cannot write the output: ${err.message}\n`);
    process.exit(2);
  });
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (err: unknown) => {
      if (err instanceof UsageError) process.stderr.write(`celery-routing: ${err.message}\n${'run celery-routing --help for usage'}\n`);
      else if (err instanceof CliError) process.stderr.write(`celery-routing: ${err.message}\n`);
      else process.stderr.write(`celery-routing: internal error: ${err instanceof Error ? err.message : String(err)} (please report it)\n`);
      process.exitCode = 2;
    },
  );
}

export { main };

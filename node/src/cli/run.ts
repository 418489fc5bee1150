import { parseArgs } from 'node:util'
import { COMMANDS, type CommandEntry } from './command-table.ts'
import { EXIT_CODES, type Command, type CommandContext } from './command.ts'
import { CliError } from './cli-error.ts'
import { UsageError } from './usage-error.ts'
import { ProfileError } from './profile.ts'
import { terminalText } from './terminal-text.ts'

function mainHelp (commands: readonly CommandEntry[]): string {
  const width = Math.max(...commands.map((c) => c.name.length))
  return 'usage: virusmap <command> [options]   (virusmap <command> --help for its options)\n\ncommands:\n' +
    commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}\n`).join('') +
    '\nexit codes: 0 ok, 1 usage error, 2 not found, 3 verification failed, 4 network/API error, 5 the analysis failed (no report)\n'
}

function commandHelp (command: Command): string {
  return `usage: ${command.usage}\n\n${command.summary}\n`
}

/** Network-level failures from fetch, the VT client and ethers: exit 4. */
const NETWORK_CODES = new Set(['NetworkError', 'InvalidResponseError', 'TimeoutError', 'RPC_UNREACHABLE', 'REGISTRY_CALL_FAILED', 'NETWORK_ERROR', 'SERVER_ERROR', 'TIMEOUT', 'CALL_EXCEPTION', 'BAD_DATA'])

/** One line for any failure; stack traces stay out of a user's terminal. */
function explain (err: unknown, ctx: CommandContext): number {
  const e = err as { code?: unknown, status?: unknown, message?: unknown, shortMessage?: unknown }
  const message = typeof e?.shortMessage === 'string' ? e.shortMessage : typeof e?.message === 'string' ? e.message : String(err)
  // a message may carry a server's text: escaped, so it cannot drive the terminal
  const write = (line: string): void => { ctx.stderr.write(`virusmap: ${terminalText(line.split('\n')[0])}\n`) }
  if (err instanceof UsageError) { write(message); return EXIT_CODES.usage }
  if (err instanceof ProfileError) { write(`${err.code}: ${message}`); return EXIT_CODES.usage }
  if (err instanceof CliError) { write(message); return err.exitCode }
  if (ctx.signal.aborted) { write('interrupted'); return EXIT_CODES.network }
  if (e?.code === 'NotFoundError') { write(message); return EXIT_CODES.notFound }
  if (e?.code === 'AbortError' || e?.code === 'TimeoutError' || (err as Error)?.name === 'TimeoutError') {
    write('timed out (see --timeout)'); return EXIT_CODES.network
  }
  if (typeof e?.code === 'string' && (NETWORK_CODES.has(e.code) || typeof e.status === 'number')) {
    write(typeof e.status === 'number' ? `API error ${e.code} (HTTP ${e.status}): ${message}` : message)
    return EXIT_CODES.network
  }
  write(`unexpected error: ${message}`)
  return EXIT_CODES.network
}

/** Runs `virusmap ...argv` (argv without node and the script) and resolves to the exit code. */
export async function runCli (argv: string[], ctx: CommandContext, commands: readonly CommandEntry[] = COMMANDS): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    ;(name === undefined ? ctx.stderr : ctx.stdout).write(mainHelp(commands))
    return name === undefined ? EXIT_CODES.usage : EXIT_CODES.ok
  }
  const entry = commands.find((c) => c.name === name)
  if (entry === undefined) {
    ctx.stderr.write(`virusmap: unknown command "${name.slice(0, 80)}"\n${mainHelp(commands)}`)
    return EXIT_CODES.usage
  }
  let command: Command | undefined
  try {
    command = await entry.load()
    if (rest.includes('--help') || rest.includes('-h')) {
      ctx.stdout.write(commandHelp(command))
      return EXIT_CODES.ok
    }
    let parsed
    try {
      parsed = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true })
    } catch (err) {
      throw new UsageError((err as Error).message)
    }
    return await command.run({ values: parsed.values, positionals: parsed.positionals }, ctx)
  } catch (err) {
    const code = explain(err, ctx)
    // a bad profile is no misuse of the command: its usage would not help
    if (code === EXIT_CODES.usage && command !== undefined && !(err instanceof ProfileError)) ctx.stderr.write(`usage: ${command.usage}\n`)
    return code
  }
}

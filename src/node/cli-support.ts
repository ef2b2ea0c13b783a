/**
 * What the evaluation CLI (src/eval/cli.ts) and the RL CLI (src/rl/cli.ts) share: the `CliIo` they write through,
 * flag readers that turn a bad flag into a `UsageError`, the OpenAI-compatible model factory, the terminal progress
 * bar, the command dispatcher (usage, parse errors, exit codes) and the process entry point with Ctrl-C abort.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import cliProgress from 'cli-progress';
import { AppError, isAbortError } from '../core/errors';
import type { Progress } from '../core/progress';
import { UsageError } from './errors';

/** Where a CLI writes and how it is interrupted; tests pass their own. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  signal?: AbortSignal;
  /** Show a progress bar (default: when stderr is a terminal). */
  progress?: boolean;
}

/** The names of the flags in a parsed flag set whose values are strings. */
export type StringFlag<F> = { [K in keyof F]-?: F[K] extends string | undefined ? K : never }[keyof F] &
  string;

/** Readers of string flags for one CLI; `usage` is shown when a required flag is missing. */
export function flagReaders<F>(usage: string) {
  const read = (flags: F, name: StringFlag<F>) => flags[name] as string | undefined;
  return {
    /** The flag's value; a missing or empty flag is a usage error. */
    required(flags: F, name: StringFlag<F>): string {
      const value = read(flags, name);
      if (value === undefined || value === '') throw new UsageError(`--${name} is required.\n\n${usage}`);
      return value;
    },
    /** The flag as an integer of at least `min`, or undefined when it is not given. */
    integer(flags: F, name: StringFlag<F>, min: number): number | undefined {
      const raw = read(flags, name);
      if (raw === undefined) return undefined;
      const n = Number(raw);
      if (!Number.isInteger(n) || n < min) {
        const expected = min === 1 ? 'a positive integer' : `an integer >= ${min}`;
        throw new UsageError(`--${name} must be ${expected}, got "${raw}".`);
      }
      return n;
    },
    /** The flag when it is one of `allowed`, or undefined when it is not given. */
    oneOf<T extends string>(flags: F, name: StringFlag<F>, allowed: readonly T[]): T | undefined {
      const raw = read(flags, name);
      if (raw === undefined) return undefined;
      if (!(allowed as readonly string[]).includes(raw)) {
        throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got "${raw}".`);
      }
      return raw as T;
    },
  };
}

/** A name safe as a directory part (`Qwen/Qwen2.5-3B-Instruct` → `Qwen_Qwen2.5-3B-Instruct`). */
export function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '_');
}

/** How a progress bar looks: whether it shows the phase, and cli-progress's ETA smoothing and cursor hiding. */
export interface ProgressBarOptions {
  phase?: boolean;
  etaBuffer?: number;
  hideCursor?: boolean;
}

/**
 * A progress reporter: a cli-progress bar with ETA on a terminal, otherwise nothing. `update` takes counts, `show`
 * a task's `Progress` (its counts when it has them, else its fraction in percent).
 */
export function progressBar(io: CliIo, label: string, options: ProgressBarOptions = {}) {
  const enabled = io.progress ?? process.stderr.isTTY === true;
  const { phase: showPhase = false, ...look } = options;
  const bar = enabled
    ? new cliProgress.SingleBar(
        {
          format: `${label} {bar} {percentage}% | {value}/{total} | ETA {eta_formatted}${showPhase ? ' | {phase}' : ''}`,
          ...look,
          stream: process.stderr,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  let started = false;
  const update = (done: number, total: number, phase = '') => {
    if (!bar) return;
    if (!started) {
      bar.start(total, done, { phase });
      started = true;
    }
    bar.setTotal(total);
    bar.update(done, { phase });
  };
  return {
    update,
    show: (p: Progress) => update(p.done ?? Math.round(p.fraction * 100), p.total ?? 100, p.phase),
    stop() {
      if (started) bar?.stop();
    },
  };
}

/** One CLI: its `parseArgs` options (with a boolean `help`), its usage text and a handler per command name. */
export interface CliSpec<F> {
  options: NonNullable<ParseArgsConfig['options']>;
  usage: string;
  commands: Record<string, (flags: F, io: CliIo) => Promise<number>>;
}

/**
 * Runs one CLI invocation (`argv` without `node` and the script) and returns the process exit code: 0 done, 1
 * failed, 2 usage error, 130 stopped. Only unexpected (non-`AppError`) errors are rethrown.
 */
export async function runCommands<F>(argv: string[], io: CliIo, spec: CliSpec<F>): Promise<number> {
  const { options, usage, commands } = spec;
  try {
    let parsed;
    try {
      parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    } catch (err) {
      throw new UsageError(`${(err as Error).message}\n\n${usage}`);
    }
    const [command, ...rest] = parsed.positionals;
    const help = parsed.values.help === true;
    if (help || command === undefined || command === 'help') {
      io.stdout(usage);
      return command === undefined && !help ? 2 : 0;
    }
    if (rest.length > 0) throw new UsageError(`Unexpected argument "${rest[0]}".\n\n${usage}`);
    const run = Object.hasOwn(commands, command) ? commands[command] : undefined;
    if (!run) throw new UsageError(`Unknown command "${command}".\n\n${usage}`);
    // `parseArgs` with these options produced exactly the flag set the handlers are typed with.
    return await run(parsed.values as F, io);
  } catch (err) {
    if (isAbortError(err)) {
      io.stderr('Stopped.');
      return 130;
    }
    if (err instanceof AppError) {
      io.stderr(`${err.name}: ${err.message}`);
      return err instanceof UsageError ? 2 : 1;
    }
    throw err;
  }
}

/** How the process entry point reacts to a stop signal. */
export interface MainOptions {
  /** The signals that abort the run; a second one exits at once. */
  signals: NodeJS.Signals[];
  /** Printed to stderr at the first signal. */
  notice?: string;
  /** The abort reason's message. */
  reason: string;
}

/**
 * Runs `runCli` as the process when `moduleUrl` is the script node was started with: a stop signal aborts the run
 * through an AbortController, a second one exits at once, and the exit code becomes the process's.
 */
export async function runAsMain(
  moduleUrl: string,
  runCli: (argv: string[], io: CliIo) => Promise<number>,
  options: MainOptions,
): Promise<void> {
  if (process.argv[1] === undefined || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  const controller = new AbortController();
  const stop = () => {
    if (controller.signal.aborted) process.exit(130);
    if (options.notice !== undefined) process.stderr.write(options.notice);
    controller.abort(new DOMException(options.reason, 'AbortError'));
  };
  for (const signal of options.signals) process.on(signal, stop);
  process.exitCode = await runCli(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(`${text}\n`),
    stderr: (text) => process.stderr.write(`${text}\n`),
    signal: controller.signal,
  });
}

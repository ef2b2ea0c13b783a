/** Running a command-line entry (`runCli` of src/eval/cli.ts or src/rl/cli.ts) in a test, capturing its output. */
import type { CliIo } from '../node/cli-support';

/** What one CLI invocation returned and wrote (lines joined with newlines). */
export interface CapturedRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `runCli` with `args`, without a progress bar, and returns its exit code and output. */
export async function runCaptured(
  runCli: (argv: string[], io: CliIo) => Promise<number>,
  args: string[],
  signal?: AbortSignal,
): Promise<CapturedRun> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await runCli(args, {
    stdout: (t) => stdout.push(t),
    stderr: (t) => stderr.push(t),
    progress: false,
    signal,
  });
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}

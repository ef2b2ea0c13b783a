// The pieces both CLIs share: flag readers' usage errors and the dispatcher's exit codes.
import { describe, expect, it } from 'vitest';
import { runCaptured } from '../testing/cli-capture';
import { flagReaders, runCommands, slug, type CliIo } from './cli-support';
import { DatasetError } from '../eval/errors';
import { UsageError } from './errors';

type Flags = { name?: string; count?: string; mode?: string; help?: boolean };
const USAGE = 'Usage: test <command>';
const { required, integer, oneOf } = flagReaders<Flags>(USAGE);

const OPTIONS = {
  name: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function testCli(handler: (flags: Flags, io: CliIo) => Promise<number>) {
  return (argv: string[], io: CliIo) =>
    runCommands<Flags>(argv, io, { options: OPTIONS, usage: USAGE, commands: { go: handler } });
}

describe('flag readers', () => {
  it('names a missing required flag and shows the usage', () => {
    expect(() => required({}, 'name')).toThrow(new UsageError(`--name is required.\n\n${USAGE}`));
    expect(() => required({ name: '' }, 'name')).toThrow(UsageError);
    expect(required({ name: 'x' }, 'name')).toBe('x');
  });

  it('accepts integers from the minimum and says which integers a bad value should have been', () => {
    expect(integer({}, 'count', 1)).toBeUndefined();
    expect(integer({ count: '3' }, 'count', 1)).toBe(3);
    expect(integer({ count: '0' }, 'count', 0)).toBe(0);
    expect(() => integer({ count: '0' }, 'count', 1)).toThrow('--count must be a positive integer, got "0".');
    expect(() => integer({ count: '1.5' }, 'count', 256)).toThrow(
      '--count must be an integer >= 256, got "1.5".',
    );
  });

  it('lists the allowed values of a choice flag', () => {
    expect(oneOf({ mode: 'b' }, 'mode', ['a', 'b'])).toBe('b');
    expect(oneOf({}, 'mode', ['a', 'b'])).toBeUndefined();
    expect(() => oneOf({ mode: 'c' }, 'mode', ['a', 'b'])).toThrow('--mode must be one of a, b, got "c".');
  });

  it('makes model names safe as directory parts', () => {
    expect(slug('Qwen/Qwen2.5-3B-Instruct')).toBe('Qwen_Qwen2.5-3B-Instruct');
  });
});

describe('runCommands', () => {
  it('runs the named command with the parsed flags and returns its exit code', async () => {
    const run = await runCaptured(
      testCli(async (flags, io) => {
        io.stdout(`hello ${flags.name}`);
        return 0;
      }),
      ['go', '--name', 'Ana'],
    );
    expect(run).toEqual({ code: 0, stdout: 'hello Ana', stderr: '' });
  });

  it('prints the usage for help (exit 0) and for no command (exit 2)', async () => {
    const cli = testCli(async () => 0);
    expect(await runCaptured(cli, ['--help'])).toMatchObject({ code: 0, stdout: USAGE });
    expect(await runCaptured(cli, ['help'])).toMatchObject({ code: 0, stdout: USAGE });
    expect(await runCaptured(cli, [])).toMatchObject({ code: 2, stdout: USAGE });
  });

  it('exits 2 on an unknown flag, an extra argument or an unknown command, even one named like a builtin', async () => {
    const cli = testCli(async () => 0);
    for (const argv of [['go', '--bogus'], ['go', 'extra'], ['toString'], ['evaluate']]) {
      const run = await runCaptured(cli, argv);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('UsageError');
    }
    expect((await runCaptured(cli, ['toString'])).stderr).toContain('Unknown command "toString"');
  });

  it('exits 130 with "Stopped." when the command is aborted, and 1 on another app error', async () => {
    const aborted = await runCaptured(
      testCli(async () => {
        throw new DOMException('Interrupted.', 'AbortError');
      }),
      ['go'],
    );
    expect(aborted).toMatchObject({ code: 130, stderr: 'Stopped.' });
    const failed = await runCaptured(
      testCli(async () => {
        throw new DatasetError('data.json is not a LoCoMo file.');
      }),
      ['go'],
    );
    expect(failed).toMatchObject({ code: 1, stderr: 'DatasetError: data.json is not a LoCoMo file.' });
  });

  it('rethrows errors that are not app errors', async () => {
    const cli = testCli(async () => {
      throw new TypeError('bug');
    });
    await expect(runCaptured(cli, ['go'])).rejects.toThrow('bug');
  });
});

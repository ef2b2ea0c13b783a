// Runs the Python unit test of verl's reward function (training/verl/test_reward_fn.py) with Debian's python3, so
// `npm test` covers the Python shim against the real Node reward server. Skipped where python3 is missing.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const PYTHON = '/usr/bin/python3';
const root = join(import.meta.dirname, '..', '..');

describe.skipIf(!existsSync(PYTHON))('training/verl/reward_fn.py', () => {
  it('passes its unittest suite against the Node reward server', { timeout: 180_000 }, async () => {
    const { stderr } = await promisify(execFile)(
      PYTHON,
      ['-m', 'unittest', '-v', 'training/verl/test_reward_fn.py'],
      {
        cwd: root,
        timeout: 170_000,
        env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
      },
    ).catch((err: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`python3 -m unittest failed:\n${err.stderr ?? err.message}`);
    });
    expect(stderr).toMatch(/Ran \d+ tests/);
    expect(stderr).toMatch(/\nOK\s*$/);
    expect(stderr).not.toMatch(/skipped/);
  });
});

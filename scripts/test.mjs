// `npm test`: typecheck (whole project, then per runtime), lint, unit + browser tests (Vitest) and end-to-end tests (Playwright), then one closing
// line `N passed, N failed` counting every test case (typecheck and lint count as one check each).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';

const results = { passed: 0, failed: 0, skipped: 0 };
const failures = [];

function run(label, cmd, args, env = {}) {
  console.log(`\n=== ${label}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status === 0;
}

function check(label, cmd, args) {
  if (run(label, cmd, args)) results.passed += 1;
  else {
    results.failed += 1;
    failures.push(label);
  }
}

function countJson(label, file, ok) {
  if (!existsSync(file)) {
    results.failed += 1;
    failures.push(`${label} (no results file)`);
    return;
  }
  const data = JSON.parse(readFileSync(file, 'utf8'));
  if (label === 'vitest') {
    results.passed += data.numPassedTests ?? 0;
    results.failed += data.numFailedTests ?? 0;
    results.skipped += (data.numPendingTests ?? 0) + (data.numTodoTests ?? 0);
    if (!ok && (data.numFailedTests ?? 0) === 0) {
      results.failed += 1;
      failures.push('vitest (suite error outside a test)');
    }
  } else {
    const s = data.stats ?? {};
    results.passed += (s.expected ?? 0) + (s.flaky ?? 0);
    results.failed += s.unexpected ?? 0;
    results.skipped += s.skipped ?? 0;
    if (!ok && (s.unexpected ?? 0) === 0) {
      results.failed += 1;
      failures.push('playwright (run error outside a test)');
    }
  }
  rmSync(file, { force: true });
}

check('typecheck', 'node_modules/.bin/tsc', ['--noEmit', '-p', 'tsconfig.json']);
// Per runtime: core/protocol/store/llm/embed/workers with the WebWorker lib (no DOM, no Node types), app and agent
// with the DOM and no Node types.
check('typecheck (workers)', 'node_modules/.bin/tsc', ['--noEmit', '-p', 'tsconfig.worker.json']);
check('typecheck (page)', 'node_modules/.bin/tsc', ['--noEmit', '-p', 'tsconfig.app.json']);
check('eslint', 'node_modules/.bin/eslint', ['.']);
check('prettier', 'node_modules/.bin/prettier', ['--check', '.']);

const vitestOk = run('vitest', 'node_modules/.bin/vitest', [
  'run',
  '--reporter=default',
  '--reporter=json',
  '--outputFile.json=.vitest-results.json',
]);
countJson('vitest', '.vitest-results.json', vitestOk);

if (existsSync('playwright.config.ts')) {
  const pwOk = run('playwright', 'node_modules/.bin/playwright', ['test', '--reporter=list,json'], {
    PLAYWRIGHT_JSON_OUTPUT_NAME: '.playwright-results.json',
  });
  countJson('playwright', '.playwright-results.json', pwOk);
}

if (failures.length) console.log(`\nFailed steps: ${failures.join(', ')}`);
console.log(
  `\n${results.passed} passed, ${results.failed} failed${results.skipped ? `, ${results.skipped} skipped` : ''}`,
);
process.exit(results.failed > 0 ? 1 : 0);

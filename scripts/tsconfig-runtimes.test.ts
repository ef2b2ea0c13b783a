// The per-runtime tsconfigs are live: code under src/core that touches the DOM fails tsconfig.worker.json, page code
// that uses Node's `process` fails tsconfig.app.json, and the same code without them passes.
import ts from 'typescript';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Type errors of `code` compiled alone as the file `path` with the options of `config`. */
function errors(config: string, path: string, code: string): string[] {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    `${root}${config}`,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  if (!parsed) throw new Error(`cannot read ${config}`);
  const file = `${root}${path}`;
  const host = ts.createCompilerHost(parsed.options);
  const read = host.readFile.bind(host);
  host.readFile = (name) => (name === file ? code : read(name));
  host.fileExists = (name) => name === file || ts.sys.fileExists(name);
  const program = ts.createProgram([file], parsed.options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe('per-runtime tsconfigs', () => {
  it('refuse the DOM in code that must run in workers and Node', () => {
    expect(errors('tsconfig.worker.json', 'src/core/probe.ts', 'export const t = document.title;\n')).toEqual(
      [expect.stringMatching(/Cannot find name 'document'/)],
    );
    expect(
      errors('tsconfig.worker.json', 'src/core/probe.ts', 'export const t = new AbortController();\n'),
    ).toEqual([]);
  });

  it("refuse Node's globals in page code", () => {
    expect(
      errors('tsconfig.app.json', 'src/app/probe.ts', 'export const v = process.versions.node;\n'),
    ).toEqual([expect.stringMatching(/Cannot find name 'process'/)]);
    expect(errors('tsconfig.app.json', 'src/app/probe.ts', 'export const t = document.title;\n')).toEqual([]);
  });
});

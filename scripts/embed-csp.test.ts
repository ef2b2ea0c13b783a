import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { embedCsp } from './embed-csp';

const doc = readFileSync('docs/embedding.md', 'utf8');

describe('embedCsp', () => {
  it('is the policy docs/embedding.md states, for a local server and for model downloads', () => {
    expect(doc).toContain(embedCsp({ localServer: 'http://127.0.0.1:8080' }));
    expect(doc).toContain(embedCsp({ modelDownloads: true }));
    expect(doc).toContain(embedCsp({ modelDownloads: true, cpuEngine: true }));
  });

  it('allows blob: workers only for the CPU engine', () => {
    expect(embedCsp({ cpuEngine: true })).toContain("worker-src 'self' blob:;");
    expect(embedCsp({ modelDownloads: true })).not.toContain('blob:');
  });

  it('allows the worker and WebAssembly and connects only where it is told', () => {
    const policy = embedCsp({ localServer: 'http://127.0.0.1:8080' });
    expect(policy).toContain("worker-src 'self'");
    expect(policy).toContain("'wasm-unsafe-eval'");
    expect(policy).toContain("connect-src 'self' http://127.0.0.1:8080;");
    expect(policy).not.toMatch(/'unsafe-inline'|'unsafe-eval'/);
  });
});

/** Where Debian's Chromium lives and the flags every headless launch uses (no network chatter, fresh profile). */
import { existsSync } from 'node:fs';

/** Path of the system Chromium (override with CHROMIUM_PATH). */
export function chromiumPath(): string {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) return fromEnv;
  for (const candidate of ['/usr/bin/chromium', '/usr/bin/chromium-browser']) {
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('Chromium not found: install it with `apt-get install -y chromium` or set CHROMIUM_PATH.');
}

/** Launch flags for headless test runs; `webgpu` adds the software (SwiftShader) WebGPU adapter. */
export function chromiumArgs(opts: { webgpu?: boolean } = {}): string[] {
  const args = [
    '--no-sandbox',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ];
  if (opts.webgpu) args.push('--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-angle=swiftshader');
  return args;
}

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, SECURITY_HEADERS } from './security-headers';

const guide = readFileSync(new URL('../docs/deploying.md', import.meta.url), 'utf8');

describe('SECURITY_HEADERS', () => {
  it('forbid framing in the header policy, which the <meta> policy cannot do', () => {
    expect(SECURITY_HEADERS['Content-Security-Policy']).toBe(
      `${CONTENT_SECURITY_POLICY}; frame-ancestors 'none'`,
    );
    expect(CONTENT_SECURITY_POLICY).not.toContain('frame-ancestors');
    expect(SECURITY_HEADERS['X-Frame-Options']).toBe('DENY');
  });

  it('are what docs/deploying.md tells nginx, Netlify and Caddy to send, word for word', () => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
      expect(guide, `why ${name}`).toContain(`\n- \`${name}`);
      expect(guide, `nginx ${name}`).toContain(`add_header ${name} "${value}" always;`);
      expect(guide, `Netlify ${name}`).toContain(`\n  ${name}: ${value}\n`);
      expect(guide, `Caddy ${name}`).toContain(`\n        ${name} "${value}"\n`);
    }
    expect(guide).toContain(`\n${SECURITY_HEADERS['Content-Security-Policy']}\n`);
  });
});

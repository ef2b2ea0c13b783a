import { describe, expect, it } from 'vitest';
import { renderMarkdown } from './markdown';

describe('renderMarkdown', () => {
  it('renders markdown formatting, lists and code', () => {
    const html = renderMarkdown('**bold** and `code`\n\n- one\n- two');
    expect(html).toContain('<strong>bold</strong>');
    expect(html).toContain('<code>code</code>');
    expect(html).toContain('<li>one</li>');
  });

  it('removes scripts, event handlers, javascript: links, styles and images', () => {
    const html = renderMarkdown(
      '<script>alert(1)</script><a href="javascript:alert(1)">x</a><b onclick="alert(1)">b</b>' +
        '<img src="https://evil.example/?q=secret"><style>body{}</style>\n\n![i](https://evil.example/i.png)',
    );
    expect(html).not.toMatch(/<script|onclick|javascript:|<img|<style|src=/);
  });

  it('opens links in a new tab without a referrer', () => {
    const html = renderMarkdown('[docs](https://example.com)');
    expect(html).toContain('target="_blank"');
    expect(html).toContain('rel="noopener noreferrer"');
  });
});

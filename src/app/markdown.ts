/**
 * Markdown for model replies: `marked` turns text into HTML and DOMPurify removes anything executable, so a reply
 * (which may quote the user or a hostile web page) is never rendered as live HTML. Images are dropped (a crafted
 * image URL could carry text off the device); links open in a new tab without a referrer.
 */
import DOMPurify from 'dompurify';
import { Marked } from 'marked';

const marked = new Marked({ gfm: true, breaks: true, async: false });

DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A') {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer');
  }
});

/**
 * Renders markdown to sanitized HTML.
 * @example renderMarkdown('**hi** <img src=x onerror=alert(1)>') // => '<p><strong>hi</strong> </p>\n'
 */
export function renderMarkdown(text: string): string {
  const html = marked.parse(text) as string;
  return DOMPurify.sanitize(html, {
    FORBID_TAGS: ['img', 'style', 'form', 'input', 'button', 'textarea', 'select', 'iframe'],
    FORBID_ATTR: ['style'],
  });
}

/**
 * Markdown for model replies: `marked` turns text into HTML and DOMPurify keeps only an allow-list of text
 * elements, so a reply (which may quote the user or a hostile web page, or obey a prompt injection) is never
 * rendered as live HTML and never makes the page load anything by itself. The list holds the tags markdown produces
 * (plus a few harmless inline ones) and no element or attribute that fetches: no images, media, SVG, MathML,
 * frames, objects, forms, `style`, `<link>`, `<meta>` or `<base>`. The page's CSP would block most such loads, but
 * a page that embeds the agent (or the dev server) may have none, and a URL is enough to carry memory text away.
 * Links are the one way out, and only when clicked: `http`, `https` and `mailto` only, opening a new tab without
 * opener or referrer. Images are dropped, not linked (a crafted image URL could carry text off the device).
 */
import createDOMPurify, { type Config } from 'dompurify';
import { Marked } from 'marked';

const marked = new Marked({ gfm: true, breaks: true, async: false });

/** Elements a rendered reply may contain: markdown's output and inline text markup, none of which loads. */
const ALLOWED_TAGS = [
  ...['p', 'br', 'hr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'pre', 'code', 'div', 'span'],
  ...['strong', 'em', 'b', 'i', 'u', 's', 'del', 'ins', 'mark', 'small', 'sub', 'sup', 'kbd', 'abbr'],
  ...['ul', 'ol', 'li', 'dl', 'dt', 'dd', 'a'],
  ...['table', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td', 'caption'],
];

/** The only attributes kept, each on the only elements it belongs to (`target` and `rel` are set, not kept). */
const ATTRIBUTES_BY_TAG: Record<string, readonly string[]> = {
  a: ['href', 'title'],
  ol: ['start'],
  th: ['align'],
  td: ['align'],
};

/** Protocols a link may use; relative and protocol-relative links are dropped along with every other scheme. */
const LINK_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);

const CONFIG: Config = {
  ALLOWED_TAGS,
  ALLOWED_ATTR: [...new Set(Object.values(ATTRIBUTES_BY_TAG).flat())],
  ALLOW_DATA_ATTR: false,
  ALLOW_ARIA_ATTR: false,
  ALLOW_UNKNOWN_PROTOCOLS: false,
};

// An instance of its own, so these hooks apply to replies only, not to any other use of DOMPurify.
const purify = createDOMPurify(window);

purify.addHook('uponSanitizeAttribute', (node, data) => {
  if (!(ATTRIBUTES_BY_TAG[node.localName] ?? []).includes(data.attrName)) data.keepAttr = false;
});

purify.addHook('afterSanitizeAttributes', (node) => {
  if (node.localName !== 'a') return;
  const href = node.getAttribute('href');
  if (href !== null && !isSafeLink(href)) node.removeAttribute('href');
  node.setAttribute('target', '_blank');
  node.setAttribute('rel', 'noopener noreferrer');
});

/** Whether `href` is an absolute http(s) or mailto URL (as the browser parses it, entities and spaces included). */
function isSafeLink(href: string): boolean {
  return URL.canParse(href) && LINK_PROTOCOLS.has(new URL(href).protocol);
}

/**
 * Renders markdown to sanitized HTML.
 * @example renderMarkdown('**hi** <video poster=https://evil.example/x>') // => '<p><strong>hi</strong> </p>\n'
 */
export function renderMarkdown(text: string): string {
  const html = marked.parse(text) as string;
  return purify.sanitize(html, CONFIG);
}

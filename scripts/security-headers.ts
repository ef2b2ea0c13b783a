/**
 * The app's Content-Security-Policy and the security headers every response of the app must carry, in one place:
 * `vite.config.ts` writes the policy into index.html and sends the headers from `vite preview` (`npm start`) and,
 * framing ones only, from the dev server; `e2e/deployments.ts` sends the same headers; docs/deploying.md shows them
 * for static hosts (a test keeps it in step). A `<meta>` policy cannot forbid framing (`frame-ancestors` is ignored
 * there) and does not reach workers, which take their policy from their own response headers; hence the headers.
 * The cross-origin isolation headers (COOP/COEP) go with them, and the dev server sends them too.
 */

/** Hosts model weights and WebLLM model libraries are downloaded from (and nothing else remote). */
const MODEL_HOSTS = [
  'https://huggingface.co',
  'https://*.huggingface.co',
  'https://*.hf.co',
  'https://cdn-lfs.huggingface.co',
  'https://raw.githubusercontent.com',
];

/** The user's own LLM server may only be on this machine (CSP cannot name IPv6 literals such as [::1]). */
const LOCAL_SERVERS = [
  'http://localhost:*',
  'http://127.0.0.1:*',
  'https://localhost:*',
  'https://127.0.0.1:*',
];

/**
 * The policy as index.html's `<meta>` carries it. No analytics, web fonts or CDNs: scripts, styles and fonts come
 * from the app only; connections go to model hosts and this machine only.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  `connect-src 'self' ${[...MODEL_HOSTS, ...LOCAL_SERVERS].join(' ')}`,
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
].join('; ');

/** No page of any origin (this one included) may show the app in a frame: clickjacking needs a frame. */
const NO_FRAMING = "frame-ancestors 'none'";

/** Headers that forbid framing, for servers that cannot send the whole policy (the dev server injects styles). */
export const FRAMING_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': NO_FRAMING,
  // For browsers that predate frame-ancestors; where both are present, frame-ancestors wins.
  'X-Frame-Options': 'DENY',
};

/**
 * Cross-origin isolation: with these the browser gives the page `SharedArrayBuffer`, which llama.cpp's threads in
 * the CPU engine need. Every subresource from another origin must then be CORS or send
 * `Cross-Origin-Resource-Policy`; the app loads nothing cross-origin except by `fetch` (CORS), so nothing breaks.
 */
export const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** Every header a server of the built app sends with every response (see docs/deploying.md for why each). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  ...FRAMING_HEADERS,
  ...ISOLATION_HEADERS,
  'Content-Security-Policy': `${CONTENT_SECURITY_POLICY}; ${NO_FRAMING}`,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

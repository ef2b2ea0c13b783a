/**
 * The Content-Security-Policy a page hosting `memory-r1-web` needs, in one place: docs/embedding.md states it (a
 * test keeps the two in step) and the package's end-to-end tests serve the demo and the bundler example with it, so
 * a policy that is not enough fails them. The elements need no style or inline-script exception (their styles are
 * constructed stylesheets in shadow roots; model text is sanitized markdown).
 */

/** Hosts the on-device model (WebLLM) and the optional embedder download from. */
export const EMBED_MODEL_HOSTS = [
  'https://huggingface.co',
  'https://*.huggingface.co',
  'https://*.hf.co',
  'https://cdn-lfs.huggingface.co',
  'https://raw.githubusercontent.com',
];

/** What the policy must allow: the local server's origin, and whether models are downloaded. */
export interface EmbedCspOptions {
  /** The local model server's origin, e.g. `http://127.0.0.1:8080` (provider `local`). */
  localServer?: string;
  /** Provider `webllm` or an embedder: the model hosts are reachable. */
  modelDownloads?: boolean;
  /** Provider `cpu`: wllama starts llama.cpp's workers from `blob:` URLs. */
  cpuEngine?: boolean;
}

/** The policy for a host page that serves the package's files from its own origin. */
export function embedCsp(options: EmbedCspOptions = {}): string {
  const connect = [
    "'self'",
    ...(options.localServer ? [options.localServer] : []),
    ...(options.modelDownloads ? EMBED_MODEL_HOSTS : []),
  ];
  return [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    `worker-src 'self'${options.cpuEngine ? ' blob:' : ''}`,
    `connect-src ${connect.join(' ')}`,
    "object-src 'none'",
    "base-uri 'self'",
  ].join('; ');
}

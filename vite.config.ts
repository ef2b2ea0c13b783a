// Vite: builds the app (index.html + workers). ONNX Runtime's wasm (ortWasm) and Universal Sentence Encoder lite
// (useLite: its model files and TF.js' wasm) are served by the app itself, the service worker and manifest come from
// vite-plugin-pwa (generateSW, update prompt through workbox-window), and the Content-Security-Policy is written into
// index.html and sent, with the other security headers, by `vite preview` (workers take their policy from their own
// response headers, and only a header can forbid framing). The dev server sends the framing and cross-origin
// isolation headers only: the whole policy would block the styles it injects. Policy and headers:
// scripts/security-headers.ts.
import { defineConfig, type Plugin } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';
import {
  CONTENT_SECURITY_POLICY,
  FRAMING_HEADERS,
  ISOLATION_HEADERS,
  SECURITY_HEADERS,
} from './scripts/security-headers.ts';
import { ortWasm } from './scripts/vite-ort-wasm.ts';
import { useLite } from './scripts/vite-use-lite.ts';

/** Writes the policy into index.html as a meta tag, first in <head>, so it covers every later element. */
function cspMeta(): Plugin {
  return {
    name: 'memory-r1:csp-meta',
    apply: 'build',
    transformIndexHtml: () => [
      {
        tag: 'meta',
        attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY },
        injectTo: 'head-prepend',
      },
    ],
  };
}

export default defineConfig({
  build: { target: 'es2022', sourcemap: true, chunkSizeWarningLimit: 8000 },
  worker: { format: 'es' },
  preview: { host: '127.0.0.1', headers: { ...SECURITY_HEADERS } },
  server: { host: '127.0.0.1', headers: { ...FRAMING_HEADERS, ...ISOLATION_HEADERS } },
  plugins: [
    ortWasm(),
    useLite(),
    cspMeta(),
    VitePWA({
      strategies: 'generateSW',
      registerType: 'prompt',
      injectRegister: false,
      includeAssets: ['icons/icon.svg'],
      manifest: {
        name: 'Memory-R1',
        short_name: 'Memory-R1',
        description: 'A private chat assistant that remembers you, running entirely in your browser.',
        start_url: '.',
        scope: '.',
        display: 'standalone',
        background_color: '#ffffff',
        theme_color: '#1f5fbf',
        icons: [
          { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: 'icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
          { src: 'icons/icon.svg', sizes: 'any', type: 'image/svg+xml' },
        ],
      },
      workbox: {
        // The app shell, every chunk (WebLLM and transformers.js too, so on-device works offline once models are
        // cached) and ONNX Runtime's wasm (~25 MB, hence the raised limit), TF.js' wasm under use-lite/ (~1 MB) but not
        // the USE lite model beside it (.json and extensionless shards, 28 MB): the memory worker fetches that only
        // when it is chosen and keeps it in Cache Storage (src/embed/use-lite-files.ts). Source maps are not precached.
        globPatterns: ['**/*.{js,mjs,css,html,svg,png,webmanifest,wasm}'],
        // transformers.js also emits ONNX Runtime's wasm under assets/; the embedder loads the copy under /ort/.
        globIgnores: ['assets/*.wasm'],
        maximumFileSizeToCacheInBytes: 64 * 1024 * 1024,
        navigateFallback: 'index.html',
        cleanupOutdatedCaches: true,
        // `vite preview` answers with `Vary: Origin`; precache lookups must not depend on the Origin header.
        importScripts: ['sw-ignore-vary.js'],
      },
    }),
  ],
});

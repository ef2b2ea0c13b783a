/**
 * Service worker registration with workbox-window: the app shell and the ONNX Runtime wasm are precached (see
 * vite.config.ts), so the app reloads offline. When a new version is deployed, the new worker waits and
 * `onUpdate` is called; `applyUpdate` lets it take over and reloads the page once it controls it.
 */
import { Workbox } from 'workbox-window';

/** Registers `/sw.js` in production builds; calls `onUpdate` with a function that applies a waiting update. */
export function registerServiceWorker(onUpdate: (apply: () => void) => void): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  const wb = new Workbox(`${import.meta.env.BASE_URL}sw.js`, { scope: import.meta.env.BASE_URL });
  wb.addEventListener('waiting', () => {
    onUpdate(() => {
      wb.addEventListener('controlling', () => window.location.reload());
      wb.messageSkipWaiting();
    });
  });
  void wb.register();
}

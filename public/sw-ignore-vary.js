// Imported by the generated service worker before Workbox's own code. `vite preview` (and some static hosts) send
// `Vary: Origin`, and a module script or worker request carries an Origin header that the precache install request
// did not, so Workbox's precache lookup misses and offline reloads fail. This listener answers same-origin asset
// requests from the precache with `ignoreVary: true` first, and leaves everything else (navigations, misses) to
// Workbox. Precached URLs may carry Workbox's `__WB_REVISION__` parameter, so the search part is ignored too;
// the app's own assets never use query strings.
self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || request.mode === 'navigate') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  event.respondWith(
    caches
      .keys()
      .then((names) => names.find((name) => name.startsWith('workbox-precache')))
      .then((name) => (name ? caches.open(name) : undefined))
      .then((cache) => cache && cache.match(request, { ignoreVary: true, ignoreSearch: true }))
      .then((hit) => hit || fetch(request)),
  );
});

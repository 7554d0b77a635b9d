// RVU Edge's service worker. Django prepends `const SHELL = {version, files}`: the URLs of
// the app shell and a hash of their content (pwa/shell.py).
//
// The shell is served from this cache first, so the app opens on a dead hospital Wi-Fi.
// Nothing else is touched: API and sign-in calls always go to the network, and logs made
// offline wait in IndexedDB (js/sync.js), never in this cache.

const CACHE_PREFIX = "rvuedge-shell-";
const CACHE_NAME = CACHE_PREFIX + SHELL.version;
const SHELL_PAGE = SHELL.files[0];
const SHELL_FILES = new Set(SHELL.files);

self.addEventListener("install", (event) => {
  // "no-cache" revalidates with the server: the HTTP cache may still hold an older file.
  const requests = SHELL.files.map((url) => new Request(url, { cache: "no-cache" }));
  event.waitUntil(caches.open(CACHE_NAME).then((cache) => cache.addAll(requests)));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      const old = names.filter((name) => name.startsWith(CACHE_PREFIX) && name !== CACHE_NAME);
      await Promise.all(old.map((name) => caches.delete(name)));
      // The first install takes over the open page at once, so it works offline without a reload.
      await self.clients.claim();
    })(),
  );
});

// The page asks for this when the user accepts an update (js/main.js).
self.addEventListener("message", (event) => {
  if (event.data === "skip-waiting") self.skipWaiting();
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;

  // Every page under /app/ is the one shell page; the route is in the #fragment.
  if (request.mode === "navigate" && url.pathname === new URL(SHELL_PAGE, self.location).pathname) {
    event.respondWith(fromCache(SHELL_PAGE, request));
  } else if (SHELL_FILES.has(url.pathname)) {
    event.respondWith(fromCache(url.pathname, request));
  }
});

async function fromCache(key, request) {
  const cache = await caches.open(CACHE_NAME);
  return (await cache.match(key)) || fetch(request);
}

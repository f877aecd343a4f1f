// camroll's upload page as an installed app: this service worker keeps the page and its script and
// style so the app opens without the network, and nothing else. Photos, thumbnails and every other
// request go to the network untouched and are never stored here.
"use strict";
const CACHE = "camroll-upload-v1";
const PAGE = ["/upload/", "/static/upload.js", "/static/camroll.css", "/static/camroll.js", "/static/icon.svg"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(PAGE)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin || !PAGE.includes(url.pathname)) {
    return; // not ours to keep: the browser fetches it as if there were no service worker
  }
  // The network first (a fresh page carries a fresh CSRF token); the kept copy only when offline.
  event.respondWith(
    fetch(event.request)
      .then((response) => {
        if (response.ok && !response.redirected) {
          const copy = response.clone();
          caches.open(CACHE).then((c) => c.put(event.request, copy));
        }
        return response;
      })
      .catch(() => caches.match(event.request))
  );
});

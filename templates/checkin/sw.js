// The door's service worker: keeps what the check-in page needs so that it opens, scans
// and queues check-ins with no connection (eventapp/checkin/offline.py says why).
// Door pages: network first, the kept copy when offline. Static files: kept, by their
// fingerprinted names, so a kept file is never stale. Nothing else is touched.
"use strict";

var ASSETS_CACHE = "door-assets-{{ version }}";
var PAGES_CACHE = "door-pages";
var ASSETS = {{ assets | tojson }};

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(ASSETS_CACHE)
    .then(function (cache) { return cache.addAll(ASSETS); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (key) {
      return key.indexOf("door-assets-") === 0 && key !== ASSETS_CACHE;
    }).map(function (key) { return caches.delete(key); }));
  }).then(function () { return self.clients.claim(); }));
});

function fromNetworkKeeping(request) {
  return fetch(request).then(function (response) {
    // A signed-out visit ends on the login page: not a door page to keep.
    if (response.ok && !response.redirected) {
      var copy = response.clone();
      caches.open(PAGES_CACHE).then(function (cache) { cache.put(request.url, copy); });
    }
    return response;
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.match(request).then(function (kept) {
      return kept || fetch(request).then(function (response) {
        if (response.ok) {
          var copy = response.clone();
          caches.open(ASSETS_CACHE).then(function (cache) { cache.put(request, copy); });
        }
        return response;
      });
    }));
  } else if (request.mode === "navigate" && url.pathname.indexOf("/checkin/") === 0
             && !url.search) {
    event.respondWith(fromNetworkKeeping(request).catch(function () {
      return caches.match(request.url, {cacheName: PAGES_CACHE}).then(function (kept) {
        return kept || Response.error();
      });
    }));
  }
});

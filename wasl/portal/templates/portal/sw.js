{% autoescape off %}/* Tawasul's service worker (scope {{ scope }}): keeps the app shell — styles, fonts,
   icons and the offline notice in Arabic and English — and nothing else.

   - A page (a navigation, GET or POST) always goes to the network; when the network fails the
     person reads the offline notice in their language. Pages are never stored: a person's
     matters and applications stay on the server, and an answer that was not sent is not kept.
   - A file of the shell is served from the cache, then from the network.
   - Any other request is left to the browser. */
"use strict";
var SHELL = {{ config }};
var CACHE = "wasl-portal-shell-" + SHELL.version;
var PREFS = "wasl-portal-prefs";
var LANGUAGE_KEY = SHELL.scope + "offline/language";

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      var offline = Object.keys(SHELL.offline).map(function (k) { return SHELL.offline[k]; });
      return cache.addAll(SHELL.urls.concat(offline));
    }).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("wasl-portal-shell-") === 0 && name !== CACHE;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

// The page tells which language the person reads (their choice on Tawasul).
self.addEventListener("message", function (event) {
  var language = event.data && event.data.language;
  if (!Object.prototype.hasOwnProperty.call(SHELL.offline, language)) { return; }
  event.waitUntil(caches.open(PREFS).then(function (cache) {
    return cache.put(LANGUAGE_KEY, new Response(language));
  }));
});

function offlineNotice() {
  return caches.open(PREFS).then(function (cache) {
    return cache.match(LANGUAGE_KEY);
  }).then(function (saved) {
    return saved ? saved.text() : "";
  }).then(function (language) {
    if (!SHELL.offline[language]) {
      language = (self.navigator.language || "").indexOf("en") === 0 ? "en" : "ar";
    }
    return caches.match(SHELL.offline[language], { cacheName: CACHE });
  }).then(function (page) {
    return page || Response.error();
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(offlineNotice));
    return;
  }
  if (request.method !== "GET") { return; }
  var path = new URL(request.url).pathname;
  if (new URL(request.url).origin !== self.location.origin || SHELL.urls.indexOf(path) < 0) {
    return;
  }
  event.respondWith(
    caches.match(request, { cacheName: CACHE, ignoreVary: true, ignoreSearch: true })
      .then(function (kept) { return kept || fetch(request); })
  );
});
{% endautoescape %}

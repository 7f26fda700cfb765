/* Tawasul as an app: register the service worker (portal/sw.js) and tell it the language the
   person reads, for the offline notice. Without service workers the pages work as they are. */
(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) { return; }
  var script = document.getElementById("portal-app");
  if (!script) { return; }
  var language = document.documentElement.lang;
  navigator.serviceWorker.register(script.getAttribute("data-sw"), {
    scope: script.getAttribute("data-scope")
  }).catch(function () { /* the pages work without it */ });
  navigator.serviceWorker.ready.then(function (registration) {
    if (registration.active) { registration.active.postMessage({ language: language }); }
  });
})();

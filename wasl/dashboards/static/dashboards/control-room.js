/* The control room: show one view at a time, move to the next every few seconds, reload the
   page (fresh figures) after a full round or five minutes — only when the server answers, so
   a wall screen never stays on an error page — keep a clock, go full screen on request (the
   button, or the F key). No dependencies. */
(function () {
  "use strict";
  var root = document.querySelector("[data-control-room]");
  if (!root) { return; }
  var views = Array.prototype.slice.call(root.querySelectorAll(".cr__view"));
  var holder = root.querySelector("[data-dots]");
  var dots = views.map(function () {
    var dot = document.createElement("span");
    dot.className = "cr__dot";
    if (holder) { holder.appendChild(dot); }
    return dot;
  });
  var seconds = parseInt(root.getAttribute("data-rotate"), 10) || 20;
  var refreshAfter = Math.max(300, seconds * views.length) * 1000;
  var current = 0;
  function show(index) {
    views.forEach(function (view, i) { view.classList.toggle("is-active", i === index); });
    dots.forEach(function (dot, i) { dot.classList.toggle("is-active", i === index); });
  }
  if (views.length > 1) {
    setInterval(function () { current = (current + 1) % views.length; show(current); }, seconds * 1000);
  }
  show(0);
  function refresh() {
    fetch(window.location.href, { cache: "no-store", credentials: "same-origin", redirect: "manual" })
      .then(function (response) {
        if (response.ok) { window.location.reload(); } else { stale(); }
      })
      .catch(stale);
  }
  function stale() {
    // Keep the last figures on the wall, say they are old, and try again in a minute.
    root.classList.add("is-stale");
    setTimeout(refresh, 60000);
  }
  setTimeout(refresh, refreshAfter);
  var clock = root.querySelector("[data-clock]");
  if (clock) {
    var format = new Intl.DateTimeFormat(document.documentElement.lang || "ar", {
      hour: "2-digit", minute: "2-digit", hour12: false, numberingSystem: "latn", timeZone: "Asia/Riyadh"
    });
    var tick = function () { clock.textContent = format.format(new Date()); };
    tick();
    setInterval(tick, 10000);
  }
  var button = root.querySelector("[data-fullscreen]");
  function toggle() {
    if (document.fullscreenElement) { document.exitFullscreen(); }
    else { document.documentElement.requestFullscreen(); }
  }
  if (button && document.documentElement.requestFullscreen) {
    button.addEventListener("click", toggle);
    document.addEventListener("keydown", function (event) {
      if ((event.key === "f" || event.key === "F") && !event.ctrlKey && !event.metaKey && !event.altKey) { toggle(); }
    });
  } else if (button) {
    button.hidden = true;
  }
}());

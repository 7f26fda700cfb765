/* The control room: show one view at a time, move to the next every few seconds, reload the
   page (fresh figures) after a full round or five minutes, keep a clock, go full screen on
   request. No dependencies. */
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
  setTimeout(function () { window.location.reload(); }, refreshAfter);
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
  if (button && document.documentElement.requestFullscreen) {
    button.addEventListener("click", function () {
      if (document.fullscreenElement) { document.exitFullscreen(); }
      else { document.documentElement.requestFullscreen(); }
    });
  } else if (button) {
    button.hidden = true;
  }
}());

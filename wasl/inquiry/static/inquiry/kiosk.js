/* The kiosk's on-screen pad and idle reset. Written for Wasl; no dependencies, no network. */
(function () {
  "use strict";
  var body = document.body;
  var idleSeconds = parseInt(body.getAttribute("data-idle-seconds"), 10) || 60;
  var start = body.getAttribute("data-start") || window.location.pathname;
  var timer = null;

  function restart() {
    // Back to the start screen with nothing typed: the next visitor sees nothing of this one.
    window.location.replace(start);
  }
  function touched() {
    if (timer) { window.clearTimeout(timer); }
    timer = window.setTimeout(restart, idleSeconds * 1000);
  }
  ["pointerdown", "keydown", "touchstart"].forEach(function (name) {
    document.addEventListener(name, touched, { passive: true });
  });
  touched();

  // Full screen from the first touch (browsers allow it only on a gesture); a kiosk started
  // with the browser's own kiosk mode is full screen already.
  function fullScreen() {
    var root = document.documentElement;
    if (!document.fullscreenElement && root.requestFullscreen) {
      root.requestFullscreen({ navigationUI: "hide" }).catch(function () {});
    }
  }
  document.addEventListener("pointerdown", fullScreen, { passive: true });

  // No context menu, no dragging links or text out of the page.
  document.addEventListener("contextmenu", function (e) { e.preventDefault(); });
  document.addEventListener("dragstart", function (e) { e.preventDefault(); });

  var form = document.getElementById("kiosk-form");
  if (!form) { return; }
  var fields = Array.prototype.slice.call(form.querySelectorAll(".field"));
  var active = null;

  function activate(field) {
    active = field;
    fields.forEach(function (f) { f.classList.toggle("active", f === field); });
    var name = field.getAttribute("data-field");
    form.querySelectorAll("[data-only]").forEach(function (el) {
      el.hidden = el.getAttribute("data-only") !== name;
    });
  }
  fields.forEach(function (field) {
    field.addEventListener("click", function () { activate(field); });
  });
  activate(fields[0].querySelector("input").value && !fields[1].querySelector("input").value ? fields[1] : fields[0]);

  form.querySelectorAll(".pad button").forEach(function (button) {
    button.addEventListener("click", function () {
      var input = active.querySelector("input");
      var key = button.getAttribute("data-key");
      var action = button.getAttribute("data-action");
      var max = parseInt(input.getAttribute("maxlength"), 10) || 40;
      if (action === "back") {
        input.value = input.value.slice(0, -1);
      } else if (action === "clear") {
        input.value = "";
      } else if (key && input.value.length + key.length <= max) {
        input.value += key;
      }
    });
  });
  form.addEventListener("submit", function (e) {
    var empty = fields.filter(function (f) { return !f.querySelector("input").value; });
    if (empty.length) { e.preventDefault(); activate(empty[0]); }
  });
})();

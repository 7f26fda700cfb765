/* Wasl staff workspace: small progressive enhancements. Every page works without this
   file: actions are links to pages of their own, files are chosen with the plain file
   input, and the server checks every field. With it, actions open in <dialog>s, files can
   be dropped, the ID's check digit is checked as it is typed, and a form is sent once. */
(function () {
  "use strict";

  function each(selector, fn, root) {
    Array.prototype.forEach.call((root || document).querySelectorAll(selector), fn);
  }

  each("[data-js-only]", function (el) {
    el.hidden = false;
  });

  /* Actions in dialogs. */
  each("a[data-dialog]", function (link) {
    var dialog = document.getElementById(link.getAttribute("data-dialog"));
    if (!dialog || typeof dialog.showModal !== "function") return;
    link.addEventListener("click", function (event) {
      event.preventDefault();
      dialog.showModal();
      var first = dialog.querySelector("input:not([type=hidden]), select, textarea");
      if (first) first.focus();
    });
    dialog.addEventListener("close", function () {
      link.focus();
    });
  });
  each("[data-close-dialog]", function (button) {
    button.addEventListener("click", function () {
      var dialog = button.closest("dialog");
      if (dialog) dialog.close();
    });
  });

  /* A form is sent once: the button is disabled after the first click. The server's
     one-time token is what really prevents a double registration. */
  each("form", function (form) {
    form.addEventListener("submit", function () {
      each("[data-submit-once]", function (button) {
        window.setTimeout(function () {
          button.disabled = true;
        }, 0);
      }, form);
    });
  });

  /* Focus the error summary so that a screen reader hears it first. */
  var summary = document.querySelector(".form-errors");
  if (summary) summary.focus();

  /* National ID / iqama: ten digits, 1 or 2 first, Luhn check digit. Arabic digits count. */
  function foldDigits(text) {
    return text.replace(/[\u0660-\u0669]/g, function (d) {
      return String(d.charCodeAt(0) - 0x0660);
    }).replace(/[\u06f0-\u06f9]/g, function (d) {
      return String(d.charCodeAt(0) - 0x06f0);
    });
  }
  function luhnOk(digits) {
    var sum = 0;
    for (var i = 0; i < digits.length; i++) {
      var n = Number(digits[digits.length - 1 - i]);
      if (i % 2 === 1) n = n * 2 > 9 ? n * 2 - 9 : n * 2;
      sum += n;
    }
    return sum % 10 === 0;
  }
  each("input[data-national-id]", function (input) {
    var live = input.parentNode.querySelector(".field__live");
    if (!live) return;
    function check(final) {
      var digits = foldDigits(input.value).replace(/[\s-]/g, "");
      var message = "";
      if (digits === "") message = "";
      else if (!/^[0-9]{10}$/.test(digits)) {
        message = final || digits.length > 10 || /[^0-9]/.test(digits) ? input.dataset.msgLength : "";
      }
      else if (digits[0] !== "1" && digits[0] !== "2") message = input.dataset.msgStart;
      else if (!luhnOk(digits)) message = input.dataset.msgCheck;
      live.hidden = message === "";
      live.textContent = message;
      live.classList.toggle("is-error", message !== "");
      if (message) input.setAttribute("aria-invalid", "true");
      else if (!input.closest(".field--error")) input.removeAttribute("aria-invalid");
    }
    input.addEventListener("input", function () { check(false); });
    input.addEventListener("blur", function () { check(true); });
  });

  /* Drop files onto the attachments box; they join the files already chosen. */
  each("[data-dropzone-area]", function (zone) {
    var input = zone.querySelector("input[type=file]");
    var list = zone.querySelector("[data-dropzone-list]");
    if (!input || typeof DataTransfer === "undefined") return;
    function show() {
      if (!list) return;
      list.textContent = "";
      Array.prototype.forEach.call(input.files, function (file) {
        var item = document.createElement("li");
        var kb = Math.max(1, Math.round(file.size / 1024));
        item.textContent = file.name + " (" + kb + " " + (list.dataset.kb || "KB") + ")";
        list.appendChild(item);
      });
    }
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.add("is-over");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () {
        zone.classList.remove("is-over");
      });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      var merged = new DataTransfer();
      Array.prototype.forEach.call(input.files, function (f) { merged.items.add(f); });
      Array.prototype.forEach.call(event.dataTransfer.files, function (f) { merged.items.add(f); });
      input.files = merged.files;
      show();
    });
    input.addEventListener("change", show);
  });
})();

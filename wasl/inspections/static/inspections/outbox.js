/* The inspector's outbox (صندوق الإرسال): an inspection is saved in this browser (IndexedDB,
   photos included) before it is sent, and stays there until the server has answered. With no
   connection it waits, and is sent when the connection returns (the `online` event, the next
   page load, or the next try every 15 seconds). Each inspection carries a key made here when
   the form was opened: sent twice, because an answer was lost, it is still one record. */
(function () {
  "use strict";
  var DB = "wasl-inspections";
  var STORE = "outbox";
  var busy = false;

  function newKey() {
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE, { keyPath: "key" }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function run(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var request = work(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(request ? request.result : undefined); };
        tx.onerror = function () { db.close(); reject(tx.error); };
        tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function all() { return run("readonly", function (s) { return s.getAll(); }); }
  function put(entry) { return run("readwrite", function (s) { return s.put(entry); }); }
  function drop(key) { return run("readwrite", function (s) { return s.delete(key); }); }

  var form = document.getElementById("checklist-form");

  function say(text, isError) {
    if (!form) { return; }
    var status = form.querySelector(".form-status");
    var errors = form.querySelector(".form-errors");
    if (isError) {
      if (!errors) {
        errors = document.createElement("div");
        errors.className = "form-errors";
        errors.setAttribute("role", "alert");
        errors.tabIndex = -1;
        status.after(errors);
      }
      errors.textContent = "";
      var p = document.createElement("p");
      p.textContent = text;
      errors.appendChild(p);
      status.textContent = "";
      errors.focus();
    } else {
      if (errors) { errors.remove(); }
      status.textContent = text;
    }
  }

  function mine(entry) { return form && entry.url === form.dataset.url; }

  /* Send one entry. Resolves to "sent", "refused" or "waiting" (no answer: keep it). */
  function send(entry) {
    var body = new FormData();
    entry.fields.forEach(function (f) { body.append(f[0], f[1]); });
    entry.files.forEach(function (f) { body.append(f[0], f[1], f[2]); });
    return fetch(entry.url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": entry.csrf },
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (answer) {
        if (response.ok) {
          return drop(entry.key).then(function () {
            if (mine(entry)) { say(answer.message || form.dataset.sent, false); window.setTimeout(function () { window.location.reload(); }, 600); }
            return "sent";
          });
        }
        if (response.status >= 400 && response.status < 500 && answer.code) {
          if (mine(entry)) {
            /* The form is still on the screen: the inspector corrects it and sends again. */
            return drop(entry.key).then(function () { say(answer.message, true); return "refused"; });
          }
          entry.state = "refused";
          entry.message = answer.message;
          return put(entry).then(function () { return "refused"; });
        }
        return "waiting";
      });
    }, function () { return "waiting"; });
  }

  function flush() {
    if (busy) { return Promise.resolve(); }
    busy = true;
    return all().then(function (entries) {
      var waiting = entries.filter(function (e) { return e.state === "waiting"; });
      return waiting.reduce(function (chain, entry) {
        return chain.then(function () { return send(entry); });
      }, Promise.resolve());
    }).then(show, show).then(function () { busy = false; }, function () { busy = false; });
  }

  function show() {
    var box = document.getElementById("outbox");
    if (!box) { return; }
    return all().then(function (entries) {
      var list = box.querySelector(".outbox__list");
      list.textContent = "";
      entries.forEach(function (e) {
        var li = document.createElement("li");
        li.textContent = e.place + (e.state === "refused" ? " — " + e.message : "");
        if (e.state === "refused") {
          li.className = "outbox__refused";
          var button = document.createElement("button");
          button.type = "button";
          button.className = "button button--quiet";
          button.textContent = box.dataset.discard;
          button.addEventListener("click", function () { drop(e.key).then(show); });
          li.appendChild(document.createTextNode(" "));
          li.appendChild(button);
        }
        list.appendChild(li);
      });
      box.hidden = entries.length === 0;
    });
  }

  if (form) {
    form.dataset.url = window.location.pathname;
    form.querySelector("[name=idempotency_key]").value = newKey();
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      form.querySelector("[name=filled_at]").value = new Date().toISOString();
      var entry = {
        key: form.querySelector("[name=idempotency_key]").value,
        url: form.dataset.url,
        place: form.dataset.place,
        csrf: form.querySelector("[name=csrfmiddlewaretoken]").value,
        fields: [],
        files: [],
        state: "waiting",
        savedAt: new Date().toISOString(),
      };
      new FormData(form).forEach(function (value, name) {
        if (value instanceof File) {
          if (value.size > 0) { entry.files.push([name, value, value.name]); }
        } else if (name !== "csrfmiddlewaretoken") {
          entry.fields.push([name, value]);
        }
      });
      say(form.dataset.sending, false);
      put(entry).then(function () {
        if (!navigator.onLine) { say(form.dataset.saved, false); return; }
        return send(entry).then(function (outcome) {
          if (outcome === "waiting") { say(form.dataset.saved, false); }
        });
      }).catch(function () { say(form.dataset.saved, false); });
    });
  }

  window.addEventListener("online", flush);
  window.setInterval(function () { if (navigator.onLine) { flush(); } }, 15000);
  flush();
})();

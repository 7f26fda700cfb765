/* Tawasul e-services: show, hide and require fields as the person answers, by the service's
   JSON-Logic rules (json-logic-js, vendored). Only a convenience: the server evaluates the
   same rules again on what it receives, and decides. The data the rules read is built as the
   server builds it (wasl/portal/eservices/rules.py): answered fields by key, applicant.kind. */
(function () {
  "use strict";
  var holder = document.getElementById("es-logic");
  var form = document.getElementById("es-form");
  if (!holder || !form || !window.jsonLogic) { return; }
  var spec = JSON.parse(holder.textContent);
  var rows = form.querySelectorAll(".field[data-key]");

  function fold(text) {
    return text.replace(/[\u0660-\u0669]/g, function (d) { return d.charCodeAt(0) - 0x0660; })
      .replace(/[\u06f0-\u06f9]/g, function (d) { return d.charCodeAt(0) - 0x06f0; });
  }

  function valueOf(row, key) {
    var type = spec.fields[key].type;
    var name = "f_" + key;
    if (type === "choice") {
      var chosen = [];
      form.querySelectorAll("[name='" + name + "']").forEach(function (el) {
        if ((el.type === "radio" || el.type === "checkbox") ? el.checked : el.value) {
          chosen.push(el.value);
        }
      });
      var many = form.querySelector("input[type=checkbox][name='" + name + "']");
      if (!chosen.length) { return null; }
      return many ? chosen : chosen[0];
    }
    if (type === "location") {
      var lat = form.querySelector("[name='" + name + "_lat']").value.trim();
      var lon = form.querySelector("[name='" + name + "_lon']").value.trim();
      return lat && lon ? { lat: Number(fold(lat)), lon: Number(fold(lon)) } : null;
    }
    if (type === "file") {
      var input = form.querySelector("[name='" + name + "']");
      if (input.files && input.files.length) { return input.files[0].name; }
      var removed = form.querySelector("[name='" + name + "_remove']");
      if (removed && removed.checked) { return null; }
      return spec.answers[key] || null;
    }
    var el = form.querySelector("[name='" + name + "']");
    var text = el ? el.value.trim() : "";
    if (!text) { return null; }
    if (type === "number") {
      var n = Number(fold(text).replace("\u066b", ".").replace(/,/g, ""));
      return isNaN(n) ? text : n;
    }
    return text;
  }

  function data() {
    var d = {};
    Object.keys(spec.answers).forEach(function (k) { d[k] = spec.answers[k]; });
    rows.forEach(function (row) {
      var key = row.getAttribute("data-key");
      var v = valueOf(row, key);
      if (v === null) { delete d[key]; } else { d[key] = v; }
    });
    d.applicant = { kind: spec.kind };
    return d;
  }

  function apply() {
    var visible = {}, required = {};
    Object.keys(spec.fields).forEach(function (k) {
      visible[k] = !spec.fields[k].hidden;
      required[k] = !!spec.fields[k].required;
    });
    var d = data();
    spec.rules.forEach(function (rule) {
      var holds = false;
      try { holds = !!window.jsonLogic.apply(rule.when, d); } catch (e) { holds = false; }
      if (!holds) { return; }
      (rule.show || []).forEach(function (k) { visible[k] = true; });
      (rule.hide || []).forEach(function (k) { visible[k] = false; });
      (rule.require || []).forEach(function (k) { required[k] = true; });
    });
    rows.forEach(function (row) {
      var key = row.getAttribute("data-key");
      row.hidden = !visible[key];
      var mark = row.querySelector(".es-req");
      if (mark) { mark.hidden = !(visible[key] && required[key]); }
      row.querySelectorAll("input, select, textarea").forEach(function (el) {
        if (el.type !== "checkbox" && el.type !== "radio") {
          el.setAttribute("aria-required", visible[key] && required[key] ? "true" : "false");
        }
      });
    });
  }

  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  apply();

  if (navigator.geolocation) {
    form.querySelectorAll(".es-locate").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var name = button.getAttribute("data-for");
        navigator.geolocation.getCurrentPosition(function (pos) {
          form.querySelector("[name='" + name + "_lat']").value = pos.coords.latitude.toFixed(6);
          form.querySelector("[name='" + name + "_lon']").value = pos.coords.longitude.toFixed(6);
          apply();
        });
      });
    });
  }
  var errors = document.getElementById("step-errors");
  if (errors) {
    errors.focus();
    // A link of the summary puts the cursor in its field (the first input of a group).
    errors.querySelectorAll("a[href^='#']").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var target = document.getElementById(link.getAttribute("href").slice(1));
        if (!target) { return; }
        var input = target.matches("input, select, textarea") ? target :
          target.querySelector("input, select, textarea");
        if (!input) { return; }
        event.preventDefault();
        target.scrollIntoView();
        input.focus();
      });
    });
  }
})();

// The SMS parts of a template counted as the administrator types, exactly as
// wasl/notifications/sms.py counts them when the message is sent: GSM-7 (160 septets in one
// part, 153 per part of a longer message; a character of the extension table takes two) when
// every character is in the 7-bit alphabet and the text is not Arabic, else UCS-2 (70 UTF-16
// units, 67 per part; a character outside the BMP takes two), parts filled without splitting a
// pair. The alphabet, the limits and the cap come from the page (sms.py's own tables), and the
// placeholders are filled with the sample transaction's values, as on saving.
(function () {
  "use strict";
  var data = document.getElementById("sms-alphabet");
  if (!data) return;
  var table = JSON.parse(data.textContent);
  var basic = new Set(Array.from(table.basic));
  var extension = new Set(Array.from(table.extension));

  function count(text, language) {
    var chars = Array.from(text); // code points, as Python iterates a str
    var gsm = language !== "ar" && chars.every(function (c) {
      return basic.has(c) || extension.has(c);
    });
    var encoding = gsm ? "gsm7" : "ucs2";
    var costs = chars.map(function (c) {
      if (gsm) return extension.has(c) ? 2 : 1;
      return c.codePointAt(0) > 0xffff ? 2 : 1;
    });
    var units = costs.reduce(function (a, b) { return a + b; }, 0);
    var single = table.limits[encoding][0];
    var multi = table.limits[encoding][1];
    if (units <= single) return { encoding: encoding, units: units, parts: 1 };
    var parts = 1;
    var filled = 0;
    costs.forEach(function (cost) {
      if (filled + cost > multi) { parts += 1; filled = 0; }
      filled += cost;
    });
    return { encoding: encoding, units: units, parts: parts };
  }

  function render(text, output) {
    var filled = text.split("{reference}").join(output.dataset.reference)
      .split("{entity}").join(output.dataset.entity);
    var samples = JSON.parse(output.dataset.samples || "{}");
    Object.keys(samples).forEach(function (name) {
      filled = filled.split(name).join(samples[name]);
    });
    return filled;
  }

  function show(area, output) {
    var counted = count(render(area.value, output), output.dataset.language);
    var over = counted.parts > table.cap;
    output.dataset.encoding = counted.encoding;
    output.dataset.units = String(counted.units);
    output.dataset.parts = String(counted.parts);
    output.textContent = output.dataset.format
      .replace("{encoding}", counted.encoding === "gsm7" ? "GSM-7" : "UCS-2")
      .replace("{units}", String(counted.units))
      .replace("{parts}", String(counted.parts))
      .replace("{cap}", String(table.cap)) + (over ? " — " + output.dataset.over : "");
    output.classList.toggle("sms-count--over", over);
  }

  document.querySelectorAll("[data-count-for]").forEach(function (output) {
    var area = document.getElementById(output.dataset.countFor);
    if (!area) return;
    area.addEventListener("input", function () { show(area, output); });
    show(area, output);
  });
})();

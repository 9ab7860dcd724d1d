// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // Fill empty time-zone fields with the zone the browser reports.
  function detectZone(root) {
    var zone;
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
    if (!zone) return;
    root.querySelectorAll("[data-detect-tz]").forEach(function (el) {
      if (el.dataset.tzDone) return;
      el.dataset.tzDone = "1";
      if (el.tagName === "SELECT") {
        if (el.dataset.explicit === "1") return;
        var has = Array.prototype.some.call(el.options, function (o) { return o.value === zone; });
        if (has && el.value !== zone) {
          el.value = zone;
          el.dispatchEvent(new Event("change", { bubbles: true }));
        }
      } else if (!el.value) {
        el.value = zone;
      }
    });
  }
  // Ask before a form with data-confirm="question" is sent (no inline handler: CSP).
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      ev.preventDefault();
    }
  });
  // Copy buttons: <button data-copy="text">.
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest("[data-copy]");
    if (!btn || !navigator.clipboard) return;
    ev.preventDefault();
    navigator.clipboard.writeText(btn.dataset.copy).then(function () {
      announce(btn.dataset.copied || "Copied");
    });
  });
  function announce(text) {
    var el = document.getElementById("announcer");
    if (el) { el.textContent = ""; setTimeout(function () { el.textContent = text; }, 50); }
  }
  document.addEventListener("DOMContentLoaded", function () { detectZone(document); });
  document.addEventListener("htmx:afterSettle", function (ev) {
    var target = ev.detail.target;
    // An outerHTML swap replaces the target: look up its successor by id.
    if (!target.isConnected && target.id) target = document.getElementById(target.id) || target;
    detectZone(target);
    // Move focus to what was swapped in, and say so, when it asks for it.
    var focus = target.querySelector("[data-focus]") || (target.matches("[data-focus]") ? target : null);
    if (focus) { focus.setAttribute("tabindex", "-1"); focus.focus(); }
    var label = target.querySelector("[data-announce]");
    if (label) announce(label.dataset.announce);
  });
})();

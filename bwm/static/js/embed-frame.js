// In another website's frame (?embed=1) only: tell the host page (embed.js) our height, a booking
// just made (its uid and times, nothing personal) and Esc (which the frame's focus keeps from it).
(function () {
  "use strict";
  if (window.parent === window) return;
  // Any origin may receive these: the frame-ancestors policy already decides who frames us,
  // and nothing sent here is personal.
  function tell(message) { window.parent.postMessage(message, "*"); }
  var last = 0;
  function height() {
    var h = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (h !== last) { last = h; tell({ type: "bwm:height", height: h }); }
  }
  document.addEventListener("DOMContentLoaded", function () {
    height();
    if (window.ResizeObserver) new ResizeObserver(height).observe(document.documentElement);
    var booked = document.querySelector("[data-bwm-booked]");
    if (booked) {
      tell({ type: "bwm:booked", uid: booked.dataset.uid, start: booked.dataset.start, end: booked.dataset.end });
    }
  });
  window.addEventListener("load", height);
  document.addEventListener("htmx:afterSettle", height);
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape") tell({ type: "bwm:close" });
  });
})();

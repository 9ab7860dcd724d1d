/* bwm: embed the booking flow in any website. No framework, no third party.
 *
 * <script src="https://bwm.example.com/embed.js" data-bwm-url="https://bwm.example.com/b/ann/intro"
 *         data-bwm-mode="inline"></script>
 * data-bwm-mode="popup" shows a button (data-bwm-label, default "Book a time") that opens the
 * flow in a dialog instead. After a booking, a "bwm:booked" event with detail {uid, start, end}
 * bubbles from the script element to the document.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.dataset.bwmUrl) return;
  var url = new URL(script.dataset.bwmUrl, document.baseURI);
  url.searchParams.set("embed", "1");
  var origin = url.origin;
  var mode = script.dataset.bwmMode === "popup" ? "popup" : "inline";
  var label = script.dataset.bwmLabel || "Book a time";
  var title = script.dataset.bwmTitle || label;

  function makeFrame(height) {
    var frame = document.createElement("iframe");
    frame.src = url.href;
    frame.title = title;
    frame.setAttribute("data-bwm-frame", mode);
    frame.style.border = "0";
    frame.style.width = "100%";
    frame.style.display = "block";
    frame.style.height = height;
    return frame;
  }

  var frame, dialog, button;
  if (mode === "inline") {
    frame = makeFrame("240px");
    script.insertAdjacentElement("afterend", frame);
  } else {
    button = document.createElement("button");
    button.type = "button";
    button.textContent = label;
    button.setAttribute("aria-haspopup", "dialog");
    button.setAttribute("data-bwm-open", "");
    dialog = document.createElement("dialog");
    dialog.setAttribute("aria-label", title);
    dialog.setAttribute("data-bwm-dialog", "");
    dialog.style.width = "min(46rem, 96vw)";
    dialog.style.maxHeight = "92vh";
    dialog.style.padding = "0";
    dialog.style.border = "1px solid #d5d9de";
    dialog.style.borderRadius = "8px";
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = "\u00d7";
    close.setAttribute("aria-label", script.dataset.bwmCloseLabel || "Close");
    close.style.cssText = "float:right;margin:.25rem;font-size:1.5rem;line-height:1;padding:.1rem .6rem;cursor:pointer";
    close.addEventListener("click", function () { dialog.close(); });
    dialog.appendChild(close);
    button.addEventListener("click", function () {
      if (!frame) {  // loaded on first use, not with the host page
        frame = makeFrame("80vh");
        dialog.appendChild(frame);
      }
      dialog.showModal();
      close.focus();
    });
    dialog.addEventListener("close", function () { button.focus(); });
    script.insertAdjacentElement("afterend", button);
    button.insertAdjacentElement("afterend", dialog);
  }

  window.addEventListener("message", function (ev) {
    if (ev.origin !== origin || !frame || ev.source !== frame.contentWindow) return;
    var data = ev.data;
    if (!data || typeof data !== "object") return;
    if (data.type === "bwm:height" && mode === "inline" && typeof data.height === "number") {
      frame.style.height = Math.max(120, Math.ceil(data.height)) + "px";
    } else if (data.type === "bwm:booked") {
      var detail = { uid: String(data.uid), start: String(data.start), end: String(data.end) };
      var target = script.isConnected ? script : document;
      target.dispatchEvent(new CustomEvent("bwm:booked", { detail: detail, bubbles: true }));
    } else if (data.type === "bwm:close" && dialog && dialog.open) {
      dialog.close();
    }
  });
})();

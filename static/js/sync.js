// The sync's page: the timer counts down between two answers of the server, the ROAM form shows the
// field its target needs, and the top 5 can be rearranged by dragging. Every page follows the
// facilitator by polling with htmx (the body comes back when the meeting changed); this script
// only ticks the clock from the remaining seconds the server rendered. No inline scripts: the CSP
// forbids them. The keyboard (and no-JavaScript) way to rearrange is each item's "Arrange" menu.
(function () {
  "use strict";

  function clock(seconds) {
    var sign = seconds < 0 ? "+" : "";
    var total = Math.abs(seconds);
    var minutes = Math.floor(total / 60);
    var rest = total % 60;
    return sign + minutes + ":" + (rest < 10 ? "0" : "") + rest;
  }

  // Each countdown remembers when it was rendered; the server's figure is the truth, the browser adds
  // only the seconds since.
  function arm(root) {
    if (!root || !root.querySelectorAll) return;
    root.querySelectorAll("[data-countdown]").forEach(function (node) {
      node.syncRenderedAt = Date.now();
      node.syncRemaining = parseInt(node.getAttribute("data-remaining"), 10) || 0;
    });
    root.querySelectorAll(".roam-form").forEach(showNeeds);
    var message = root.querySelector && root.querySelector("[data-sync-message]");
    if (message && message.scrollIntoView) message.scrollIntoView({ block: "nearest" });
  }

  function tick() {
    document.querySelectorAll("[data-countdown][data-running=true]").forEach(function (node) {
      var passed = Math.floor((Date.now() - node.syncRenderedAt) / 1000);
      var remaining = node.syncRemaining - passed;
      var text = node.querySelector("[data-countdown-text]");
      if (text) text.textContent = clock(remaining);
      node.classList.toggle("is-over", remaining < 0);
    });
  }

  // ROAM: show only the field the chosen target needs; without JavaScript all of them show.
  function showNeeds(form) {
    var select = form.querySelector("select[name=to]");
    if (!select) return;
    form.querySelectorAll("[data-needed-by]").forEach(function (field) {
      field.hidden = field.getAttribute("data-needed-by") !== select.value;
    });
  }

  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest(".roam-form");
    if (form && event.target.name === "to") showNeeds(form);
  });

  arm(document);
  document.addEventListener("htmx:load", function (event) { arm(event.detail.elt); });
  window.setInterval(tick, 1000);

  // The top 5: drop an item on another to put it at that position (the item there takes its place).
  var dragged = null;
  var CONTROLS = "input, select, textarea, button, summary, a, label";

  document.addEventListener("mousedown", function (event) {
    var item = event.target.closest && event.target.closest("[data-top5-item]");
    if (item) item.draggable = !event.target.closest(CONTROLS);
  });
  document.addEventListener("dragstart", function (event) {
    var item = event.target.closest && event.target.closest("[data-top5-item]");
    if (!item || !item.draggable) return;
    dragged = item;
    item.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", item.getAttribute("data-position") || "");
  });
  document.addEventListener("dragend", function () {
    document.querySelectorAll(".is-dragging, .is-drop-target").forEach(function (node) {
      node.classList.remove("is-dragging", "is-drop-target");
    });
    dragged = null;
  });
  document.addEventListener("dragover", function (event) {
    var target = event.target.closest && event.target.closest("[data-top5-item]");
    if (!dragged || !target || target === dragged) return;
    event.preventDefault();
    document.querySelectorAll(".is-drop-target").forEach(function (node) { node.classList.remove("is-drop-target"); });
    target.classList.add("is-drop-target");
  });
  document.addEventListener("drop", function (event) {
    var target = event.target.closest && event.target.closest("[data-top5-item]");
    if (!dragged || !target || target === dragged) return;
    event.preventDefault();
    var form = dragged.querySelector("[data-move-form]");
    dragged = null;
    if (!form) return;
    form.querySelector("select[name=position]").value = target.getAttribute("data-position");
    if (form.requestSubmit) form.requestSubmit();
    else form.submit();
  });
})();

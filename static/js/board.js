// Team board: drag a story card onto another column to move it.
//
// The keyboard (and no-JavaScript) way is the "Move to" form in the card's Actions menu. A drop posts the same
// move endpoint with the same fields; the server answers the re-rendered board, which htmx
// swaps in, so both columns' load bars change. The IP column refuses drops (data-accepts),
// and the server refuses a story there anyway. No inline scripts: the CSP forbids them.
(function () {
  "use strict";

  var dragged = null;
  var CONTROLS = "input, select, textarea, button, summary, a";

  function columnOf(node) {
    return node && node.closest ? node.closest("[data-column]") : null;
  }

  function accepts(column) {
    return column && column.getAttribute("data-accepts") === "true";
  }

  function clearMarks() {
    document.querySelectorAll(".is-drop-target, .refuses-drop, .is-dragging").forEach(function (node) {
      node.classList.remove("is-drop-target", "refuses-drop", "is-dragging");
    });
  }

  // Selecting text in a card's form must not start dragging the card.
  document.addEventListener("mousedown", function (event) {
    var card = event.target.closest && event.target.closest(".story-card[data-move-url]");
    if (card) card.draggable = !event.target.closest(CONTROLS);
  });

  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".story-card[data-move-url]");
    if (!card || !card.draggable) return;
    dragged = card;
    card.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.getAttribute("data-title") || "");
    document.querySelectorAll("[data-column]").forEach(function (column) {
      if (!accepts(column)) column.classList.add("refuses-drop");
    });
  });

  document.addEventListener("dragend", function () {
    dragged = null;
    clearMarks();
  });

  document.addEventListener("dragover", function (event) {
    var column = columnOf(event.target);
    // Without preventDefault the browser shows "no drop" and never fires the drop.
    if (!dragged || !accepts(column)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    document.querySelectorAll(".is-drop-target").forEach(function (node) {
      if (node !== column) node.classList.remove("is-drop-target");
    });
    column.classList.add("is-drop-target");
  });

  document.addEventListener("dragleave", function (event) {
    var column = columnOf(event.target);
    if (column && !column.contains(event.relatedTarget)) column.classList.remove("is-drop-target");
  });

  document.addEventListener("drop", function (event) {
    var column = columnOf(event.target);
    if (!dragged || !accepts(column)) return;
    event.preventDefault();
    var card = dragged;
    dragged = null;
    clearMarks();
    if (columnOf(card) === column) return;
    move(card, column.getAttribute("data-iteration-id"));
  });

  // A move or edit made from a card's menu keeps the keyboard user's place: the re-rendered
  // board comes with every menu closed, so the menu of the control that had the focus is opened
  // again and the control focused.
  var refocus = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var active = document.activeElement;
    refocus = active && active.id && active.closest && active.closest(".card-menu") ? active.id : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!refocus) return;
    var node = document.getElementById(refocus);
    refocus = null;
    if (!node) return;
    var menu = node.closest(".card-menu");
    if (menu) menu.open = true;
    node.focus();
  });

  function move(card, iterationId) {
    var board = card.closest("[data-board]");
    var values = { iteration: iterationId, version: card.getAttribute("data-version") };
    if (window.htmx && board) {
      // The card as source: htmx sends the CSRF header the body declares in hx-headers.
      window.htmx.ajax("POST", card.getAttribute("data-move-url"), {
        source: card,
        target: board,
        swap: "outerHTML",
        values: values,
      });
      return;
    }
    // Without htmx, submit the card's own move form: a plain POST that redirects back.
    var form = card.querySelector(".move-form");
    if (!form) return;
    form.querySelector("select[name=iteration]").value = iterationId;
    form.submit();
  }
})();

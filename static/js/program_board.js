// Program board: dependency lines in SVG, card highlighting, drag and drop, the live board.
//
// Lines: the server renders one <path> per dependency with the DOM ids of its two ends
// (data-from, data-to) and its health class; this script draws each path between the ends'
// positions, again on resize and after every swap of the board.
//
// Moves: drag a card onto another cell (another iteration, or another team's row). A drop
// posts the same move endpoint as the card's "Move" menu (the keyboard and no-JavaScript
// way), and htmx swaps in the board the server answers. A stale version answers 409 with the
// current board and the reason, swapped like a 422.
//
// Live: the board's poller asks every 2 seconds whether anything changed (204 if not). A
// fresh board is not swapped in while the person is busy with it (dragging, or a move menu
// open): the poller keeps its old version, so the next poll brings the change again.
// No inline scripts: the CSP forbids them.
(function () {
  "use strict";

  var CONTROLS = "input, select, textarea, button, summary, a, label";
  var dragged = null;
  var focusAfterSwap = null;

  function board() {
    return document.getElementById("program-board");
  }

  // --- lines --------------------------------------------------------------------------------

  function box(node, origin) {
    var rect = node.getBoundingClientRect();
    if (node.hasAttribute("data-cell")) {
      // A line that ends in a cell (no card there) ends in the middle of it.
      var x = (rect.left + rect.right) / 2, y = (rect.top + rect.bottom) / 2;
      rect = { left: x - 12, right: x + 12, top: y - 12, bottom: y + 12 };
    }
    return {
      left: rect.left - origin.left,
      right: rect.right - origin.left,
      top: rect.top - origin.top,
      bottom: rect.bottom - origin.top,
      cx: (rect.left + rect.right) / 2 - origin.left,
      cy: (rect.top + rect.bottom) / 2 - origin.top,
    };
  }

  function pathBetween(a, b) {
    var x1, x2, bend;
    if (b.left >= a.right - 4) {
      // Forwards (or to the next column): right edge to left edge.
      x1 = a.right;
      x2 = b.left;
      bend = Math.max(30, (x2 - x1) / 2);
      return "M " + x1 + " " + a.cy + " C " + (x1 + bend) + " " + a.cy + ", " + (x2 - bend) + " " + b.cy + ", " + x2 + " " + b.cy;
    }
    if (b.right <= a.left + 4) {
      // Backwards: the provider comes too late; left edge to right edge.
      x1 = a.left;
      x2 = b.right;
      bend = Math.max(30, (x1 - x2) / 2);
      return "M " + x1 + " " + a.cy + " C " + (x1 - bend) + " " + a.cy + ", " + (x2 + bend) + " " + b.cy + ", " + x2 + " " + b.cy;
    }
    // Same column: out of the right edges and back.
    x1 = a.right;
    x2 = b.right;
    bend = 40;
    return "M " + x1 + " " + a.cy + " C " + (x1 + bend) + " " + a.cy + ", " + (x2 + bend) + " " + b.cy + ", " + x2 + " " + b.cy;
  }

  function drawLines() {
    var root = board();
    if (!root) return;
    var canvas = root.querySelector(".pb-canvas");
    var grid = root.querySelector(".pb-grid");
    var svg = root.querySelector("svg.pb-lines");
    if (!canvas || !grid || !svg) return;
    var origin = canvas.getBoundingClientRect();
    var width = Math.max(grid.scrollWidth, grid.offsetWidth);
    var height = Math.max(grid.scrollHeight, grid.offsetHeight);
    svg.setAttribute("width", width);
    svg.setAttribute("height", height);
    svg.setAttribute("viewBox", "0 0 " + width + " " + height);
    svg.querySelectorAll("path.pb-line").forEach(function (path) {
      var from = document.getElementById(path.getAttribute("data-from"));
      var to = document.getElementById(path.getAttribute("data-to"));
      if (!from || !to || !from.getClientRects().length || !to.getClientRects().length) {
        path.removeAttribute("d");
        return;
      }
      path.setAttribute("d", pathBetween(box(from, origin), box(to, origin)));
    });
  }

  var pending = false;
  function redraw() {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () {
      pending = false;
      drawLines();
    });
  }

  var observer = window.ResizeObserver ? new ResizeObserver(redraw) : null;
  function watch() {
    var root = board();
    if (!root) return;
    var grid = root.querySelector(".pb-grid");
    if (observer && grid) {
      observer.disconnect();
      observer.observe(grid);
    }
    redraw();
  }

  // --- highlighting -------------------------------------------------------------------------

  function clearHighlight() {
    var root = board();
    if (!root) return;
    root.classList.remove("is-highlighting");
    root.querySelectorAll(".is-highlighted, .is-linked, .is-focus-card").forEach(function (node) {
      node.classList.remove("is-highlighted", "is-linked", "is-focus-card");
    });
  }

  function highlight(card) {
    clearHighlight();
    var root = board();
    var ids = (card.getAttribute("data-lines") || "").split(" ").filter(Boolean);
    if (!root || !ids.length) return;
    root.classList.add("is-highlighting");
    card.classList.add("is-focus-card");
    ids.forEach(function (id) {
      var path = document.getElementById(id);
      if (!path) return;
      path.classList.add("is-highlighted");
      // The line to the end of the SVG so that it is drawn over the others.
      path.parentNode.appendChild(path);
      [path.getAttribute("data-from"), path.getAttribute("data-to")].forEach(function (end) {
        var node = document.getElementById(end);
        if (node && node !== card) node.classList.add("is-linked");
      });
      var row = document.getElementById(id + "-row");
      if (row) row.classList.add("is-highlighted");
    });
  }

  function cardOf(node) {
    return node && node.closest ? node.closest("[data-card]") : null;
  }

  document.addEventListener("mouseover", function (event) {
    var card = cardOf(event.target);
    if (card && !card.classList.contains("is-focus-card")) highlight(card);
  });
  document.addEventListener("mouseout", function (event) {
    var card = cardOf(event.target);
    if (card && !card.contains(event.relatedTarget) && !card.contains(document.activeElement)) clearHighlight();
  });
  document.addEventListener("focusin", function (event) {
    var card = cardOf(event.target);
    if (card) highlight(card);
  });
  document.addEventListener("focusout", function (event) {
    var card = cardOf(event.target);
    if (card && !card.contains(event.relatedTarget)) clearHighlight();
  });

  // --- drag and drop ------------------------------------------------------------------------

  function cellOf(node) {
    return node && node.closest ? node.closest("[data-cell]") : null;
  }

  function accepts(cell) {
    return cell && cell.getAttribute("data-accepts") === "true";
  }

  function clearMarks() {
    document.querySelectorAll(".is-drop-target, .refuses-drop, .is-dragging").forEach(function (node) {
      node.classList.remove("is-drop-target", "refuses-drop", "is-dragging");
    });
  }

  // Using a control inside a card (its menu) must not start dragging the card.
  document.addEventListener("mousedown", function (event) {
    var card = cardOf(event.target);
    if (card && card.hasAttribute("draggable")) card.draggable = !event.target.closest(CONTROLS);
  });

  document.addEventListener("dragstart", function (event) {
    var card = cardOf(event.target);
    if (!card || !card.draggable) return;
    dragged = card;
    clearHighlight();
    card.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.getAttribute("data-feature-key") || "");
    document.querySelectorAll("[data-cell]").forEach(function (cell) {
      if (!accepts(cell)) cell.classList.add("refuses-drop");
    });
  });

  document.addEventListener("dragend", function () {
    dragged = null;
    clearMarks();
  });

  document.addEventListener("dragover", function (event) {
    var cell = cellOf(event.target);
    // Without preventDefault the browser shows "no drop" and never fires the drop.
    if (!dragged || !accepts(cell)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    document.querySelectorAll(".is-drop-target").forEach(function (node) {
      if (node !== cell) node.classList.remove("is-drop-target");
    });
    cell.classList.add("is-drop-target");
  });

  document.addEventListener("dragleave", function (event) {
    var cell = cellOf(event.target);
    if (cell && !cell.contains(event.relatedTarget)) cell.classList.remove("is-drop-target");
  });

  document.addEventListener("drop", function (event) {
    var cell = cellOf(event.target);
    if (!dragged || !accepts(cell)) return;
    event.preventDefault();
    var card = dragged;
    dragged = null;
    clearMarks();
    if (cellOf(card) === cell) return;
    move(card, cell);
  });

  function move(card, cell) {
    var root = board();
    var values = {
      placement: card.getAttribute("data-placement-id"),
      version: card.getAttribute("data-version"),
      iteration: cell.getAttribute("data-iteration-id"),
      team: cell.getAttribute("data-team-id") || "",
    };
    focusAfterSwap = card.id;
    if (window.htmx && root) {
      // The card as source: htmx sends the CSRF header the body declares in hx-headers.
      window.htmx.ajax("POST", root.getAttribute("data-move-url"), {
        source: card,
        target: root,
        swap: "outerHTML",
        values: values,
      });
      return;
    }
    // Without htmx, a plain form POST that redirects back to the board.
    var form = document.createElement("form");
    form.method = "post";
    form.action = root.getAttribute("data-move-url");
    var token = (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || "";
    values.csrfmiddlewaretoken = decodeURIComponent(token);
    Object.keys(values).forEach(function (name) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = values[name];
      form.appendChild(input);
    });
    document.body.appendChild(form);
    form.submit();
  }

  // --- the card's move menu -----------------------------------------------------------------

  document.addEventListener("click", function (event) {
    var close = event.target.closest && event.target.closest("[data-menu-close]");
    var menu = close && close.closest(".pb-card-menu");
    if (!menu) return;
    event.preventDefault();
    var card = cardOf(menu);
    menu.replaceChildren();
    redraw();
    if (card) card.querySelector(".pb-card-move").focus();
  });

  document.addEventListener("submit", function (event) {
    var card = cardOf(event.target);
    if (card) focusAfterSwap = card.id;
  });

  // --- swaps --------------------------------------------------------------------------------

  function busy() {
    var root = board();
    if (dragged) return true;
    if (!root) return false;
    if (root.querySelector(".pb-card-menu form")) return true;
    var active = document.activeElement;
    return !!(active && root.contains(active) && active.matches("input, select, textarea"));
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    var source = detail.requestConfig && detail.requestConfig.elt;
    if (source && source.hasAttribute && source.hasAttribute("data-live") && busy()) {
      detail.shouldSwap = false;
      return;
    }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (!target) return;
    if (target.classList && target.classList.contains("pb-card-menu")) {
      var first = target.querySelector("select");
      if (first) first.focus();
      redraw();
      return;
    }
    if (board() && (target.id === "program-board" || !document.body.contains(target) || board().contains(target))) {
      watch();
      if (focusAfterSwap) {
        var card = document.getElementById(focusAfterSwap);
        focusAfterSwap = null;
        if (card) card.focus();
      }
    }
  });

  window.addEventListener("resize", redraw);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", watch);
  } else {
    watch();
  }
  window.addEventListener("load", redraw);
})();

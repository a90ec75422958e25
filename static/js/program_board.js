// Program board: dependency lines in SVG, card highlighting, drag and drop, the live board.
//
// Lines: the server renders one <path> per dependency with the DOM ids of its two ends
// (data-from, data-to: a card, or a dependency sticky where the end has no card) and its
// health class; this script routes each path between the ends along the gaps between cells,
// again on resize and after every swap of the board.
//
// Moves: drag a card onto another cell (another iteration, or another team's row). A drop
// posts the same move endpoint as the card's "Move" menu (the keyboard and no-JavaScript
// way), and htmx swaps in the board the server answers. A stale version answers 409 with the
// current board and the reason, swapped like a 422.
//
// Live: every 2 seconds the board asks what changed since the version it shows (204 if
// nothing; planning/live_board.py). A change set names the parts (cards, stickies, lines,
// dependency rows) that are new or different, those gone, the new order of each container
// whose order changed, and the regions to redraw; it is applied in place, so that every other
// card keeps its DOM node, the scroll position and the focus. While the person is busy with a
// part the change touches (dragging, a move menu open in a changed card), the change waits:
// the board keeps its version, so the next poll brings it again. "reload" fetches the board
// fragment whole (far behind, or the board's frame changed).
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
  //
  // Every line runs from a card or sticky (data-from) to a card or sticky (data-to), both in
  // the DOM: drawing is a function of the DOM alone, run again after any swap or resize
  // (window.ARTopsBoard.draw). A line leaves its start by the side facing its end, runs along
  // the gaps between cells (the cells' padding), never across a card, and enters its end from
  // the side. planning/program_board_export.py (route) draws the SVG export the same way.

  var LANES = [0, -4, 4, -8, 8];
  // An A3 landscape page less its margins (8 mm), in CSS pixels, less room for the title,
  // summary and legend above and below the board.
  var PRINT_WIDTH = 1520, PRINT_HEIGHT = 900;

  function box(node, origin) {
    var rect = node.getBoundingClientRect();
    return {
      left: rect.left - origin.left,
      right: rect.right - origin.left,
      top: rect.top - origin.top,
      bottom: rect.bottom - origin.top,
      cy: (rect.top + rect.bottom) / 2 - origin.top,
    };
  }

  // The cell (or a row's head, for the "not planned" spot) whose padding a line runs along.
  function gapOf(node) {
    return node.closest(".pb-cell, .pb-row-head") || node;
  }

  function route(a, ac, b, bc, lane) {
    var x1, xa, x2, xb;
    if (bc.left >= ac.right - 1) {
      // The end's column is to the right: out of the right edge, into the left one.
      x1 = a.right; xa = ac.right + lane; x2 = b.left; xb = bc.left + lane;
    } else if (bc.right <= ac.left + 1) {
      // To the left (planned after it is needed): out of the left edge, into the right one.
      x1 = a.left; xa = ac.left + lane; x2 = b.right; xb = bc.right + lane;
    } else {
      // The same column: out of the right edge and back in.
      x1 = a.right; xa = ac.right + lane; x2 = b.right; xb = xa;
    }
    var points = [[x1, a.cy], [xa, a.cy]];
    if (xa !== xb) {
      var hy;
      if (bc.top >= ac.bottom - 1) hy = bc.top + lane / 2; // along the gap above the end's row
      else if (bc.bottom <= ac.top + 1) hy = bc.bottom + lane / 2; // below it
      else hy = ac.top + lane / 2; // the same row: along its top
      points.push([xa, hy], [xb, hy]);
    }
    points.push([xb, b.cy], [x2, b.cy]);
    return points;
  }

  function shown(node) {
    return node && node.getClientRects().length > 0;
  }

  function drawLines() {
    var root = board();
    if (!root) return;
    // The printed board keeps the lines drawn on screen; it is scaled as a whole (--pb-print-zoom).
    if (window.matchMedia && window.matchMedia("print").matches) return;
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
    var index = 0;
    svg.querySelectorAll("path.pb-line").forEach(function (path) {
      var from = document.getElementById(path.getAttribute("data-from"));
      var to = document.getElementById(path.getAttribute("data-to"));
      if (!shown(from) || !shown(to)) {
        path.removeAttribute("d");
        return;
      }
      var points = route(box(from, origin), box(gapOf(from), origin), box(to, origin), box(gapOf(to), origin), LANES[index % LANES.length]);
      index += 1;
      path.setAttribute("d", "M " + points.map(function (p) { return p[0].toFixed(1) + " " + p[1].toFixed(1); }).join(" L "));
    });
    var zoom = Math.min(1, PRINT_WIDTH / canvas.offsetWidth, PRINT_HEIGHT / canvas.offsetHeight);
    root.style.setProperty("--pb-print-zoom", zoom.toFixed(4));
    root.style.setProperty("--pb-print-width", canvas.offsetWidth + "px");
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

  // A line's end: a card or a dependency sticky; hovering or focusing one lights its lines.
  function endOf(node) {
    return node && node.closest ? node.closest("[data-card], [data-sticky]") : null;
  }

  document.addEventListener("mouseover", function (event) {
    var end = endOf(event.target);
    if (end && !end.classList.contains("is-focus-card")) highlight(end);
  });
  document.addEventListener("mouseout", function (event) {
    var end = endOf(event.target);
    if (!end || end.contains(event.relatedTarget) || end.contains(document.activeElement)) return;
    // Back to the card or sticky that has the keyboard's focus, if any.
    var focused = endOf(document.activeElement);
    if (focused && board() && board().contains(focused)) highlight(focused);
    else clearHighlight();
  });
  document.addEventListener("focusin", function (event) {
    var end = endOf(event.target);
    if (end) highlight(end);
  });
  document.addEventListener("focusout", function (event) {
    var end = endOf(event.target);
    if (end && !end.contains(event.relatedTarget)) clearHighlight();
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

  // --- the live board: change sets --------------------------------------------------------------

  var POLL_MS = 2000;
  var SVG_NS = "http://www.w3.org/2000/svg";
  var polling = false;

  // A part's new node, parsed in its container's namespace (an SVG path must be an SVG element).
  function parsePart(html, container) {
    if (container && container.namespaceURI === SVG_NS) {
      var svg = document.createElementNS(SVG_NS, "svg");
      svg.innerHTML = html;
      return svg.firstElementChild;
    }
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  }

  // Whether the change touches what the person is busy with: then it waits for the next poll.
  function touchesBusyPart(change) {
    if (dragged) return true;
    var root = board();
    var ids = change.removed.concat(change.parts.map(function (part) { return part.id; }));
    return ids.some(function (id) {
      var node = document.getElementById(id);
      if (!node || !root.contains(node)) return false;
      if (node.querySelector(".pb-card-menu form")) return true;
      var active = document.activeElement;
      return !!(active && node.contains(active) && active.matches("input, select, textarea"));
    });
  }

  // The parts among a container's children (a cell's cards and stickies, the lines, the dependency rows).
  function partsIn(container) {
    return Array.prototype.filter.call(container.children, function (child) {
      return child.id && child.matches("[data-card], [data-sticky], path.pb-line, tr");
    });
  }

  function applyChange(change) {
    var root = board();
    var active = document.activeElement;
    var focusedId = active && root.contains(active) ? (active.closest("[id]") || {}).id : null;
    var fresh = {};
    change.removed.forEach(function (id) {
      var node = document.getElementById(id);
      if (node && root.contains(node)) node.remove();
    });
    change.parts.forEach(function (part) {
      var node = parsePart(part.html, document.getElementById(part.container));
      if (!node) return;
      var old = document.getElementById(part.id);
      if (old && root.contains(old)) old.replaceWith(node);
      // A card or sticky someone else just changed glows for a moment, so that the room sees what moved.
      if (node.matches("[data-card], [data-sticky]")) node.classList.add("pb-just-changed");
      fresh[part.id] = node;
    });
    // Each container whose order changed: its parts in the new order (a node moved keeps its identity),
    // then, once every part is in its place, what a container's order no longer names leaves it.
    var containers = Object.keys(change.order);
    containers.forEach(function (containerId) {
      var container = document.getElementById(containerId);
      if (!container) return;
      var ids = change.order[containerId];
      var placed = partsIn(container).map(function (child) { return child.id; });
      if (placed.join(" ") === ids.join(" ")) return;
      ids.forEach(function (id) {
        var node = fresh[id] || document.getElementById(id);
        if (node) container.appendChild(node);
      });
    });
    containers.forEach(function (containerId) {
      var container = document.getElementById(containerId);
      if (!container) return;
      var named = change.order[containerId];
      partsIn(container).forEach(function (child) {
        if (named.indexOf(child.id) === -1) child.remove();
      });
    });
    Object.keys(change.regions).forEach(function (id) {
      var old = document.getElementById(id);
      var node = parsePart(change.regions[id], old && old.parentNode);
      if (old && node) old.replaceWith(node);
    });
    root.setAttribute("data-version", change.version);
    if (change.token) root.setAttribute("data-poll-token", change.token);
    if (focusedId && document.activeElement !== document.getElementById(focusedId)) {
      var again = document.getElementById(focusedId);
      if (again) again.focus({ preventScroll: true });
    }
    redraw();
  }

  function reloadBoard() {
    var root = board();
    if (!root || !window.htmx) return;
    window.htmx.ajax("GET", root.getAttribute("data-board-url"), { source: root, target: root, swap: "outerHTML" });
  }

  function pollUrl(root) {
    var url = root.getAttribute("data-changes-url");
    return url + (url.indexOf("?") === -1 ? "?" : "&") + "since=" + encodeURIComponent(root.getAttribute("data-version"));
  }

  function poll() {
    var root = board();
    if (!root || !root.hasAttribute("data-changes-url") || polling) return;
    polling = true;
    var asked = root.getAttribute("data-version");
    fetch(pollUrl(root), {
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-Board-Token": root.getAttribute("data-poll-token") || "" },
    }).then(function (response) {
      var token = response.headers.get("X-Board-Token");
      var current = board();
      if (token && current) current.setAttribute("data-poll-token", token);
      if (response.status === 401) {
        var login = response.headers.get("HX-Redirect");
        if (login) window.location.assign(login);
        return null;
      }
      if (response.status !== 200) return null;
      return response.json();
    }).then(function (change) {
      var current = board();
      // A board swapped in meanwhile (a move's answer, a filter) has its own version.
      if (!change || !current || current.getAttribute("data-version") !== asked) return;
      var applied = false;
      if (change.reload) {
        applied = !busy();
        if (applied) reloadBoard();
      } else if (!touchesBusyPart(change)) {
        applyChange(change);
        applied = true;
      }
      // Said on the document, for whoever follows the board (and its browser tests).
      document.dispatchEvent(new CustomEvent("artops:board-change", {
        detail: { version: change.version, reload: change.reload, applied: applied },
      }));
    }).catch(function () {
      // Offline for a moment: the next poll asks again.
    }).then(function () {
      polling = false;
    });
  }

  window.setInterval(poll, POLL_MS);

  // --- the team filter's summary --------------------------------------------------------------

  document.addEventListener("change", function (event) {
    var filter = event.target.closest && event.target.closest(".pb-teams-filter");
    if (!filter) return;
    var boxes = filter.querySelectorAll("input[type=checkbox]");
    var chosen = filter.querySelectorAll("input[type=checkbox]:checked").length;
    filter.querySelector(".pb-teams-chosen").textContent = chosen ? chosen + " of " + boxes.length : "all";
  });

  // The team list closes like a menu: a click elsewhere, or Escape.
  document.addEventListener("click", function (event) {
    document.querySelectorAll(".pb-teams-filter[open]").forEach(function (filter) {
      if (!filter.contains(event.target)) filter.removeAttribute("open");
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var filter = event.target.closest && event.target.closest(".pb-teams-filter[open]");
    if (!filter) return;
    filter.removeAttribute("open");
    filter.querySelector("summary").focus();
  });

  // --- print ----------------------------------------------------------------------------------

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print-board]")) {
      drawLines();
      window.print();
    }
  });

  // Draw the lines again from the DOM (after any change), and ask for changes now.
  window.ARTopsBoard = { draw: drawLines, poll: poll };

  function ready() {
    var filters = document.getElementById("board-filters");
    if (filters) filters.classList.add("has-script");
    watch();
  }

  window.addEventListener("resize", redraw);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
  window.addEventListener("load", redraw);
})();

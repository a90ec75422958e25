// ROAM board: drag a risk card onto another state's column to move it.
//
// The keyboard (and no-JavaScript) way is the card's "Move" menu: a form with the target
// state, what that state needs (owner, rationale, mitigation plan), a note and the version
// read. A drop fills in the same form: when the target needs nothing (Resolved, Unroamed) it
// is submitted at once; when it needs something (Owned → owner, Accepted → rationale,
// Mitigated → plan) the form opens in a dialog that asks for it. htmx posts the form and swaps
// in the re-rendered board. No inline scripts: the CSP forbids them.
//
// Which card moves is the card the person pressed, by its id, never the element that happens
// to be under the pointer or at some index later. Chromium picks a drag's source by hit-testing
// where the button went down; when the page scrolls between the press and the start of the drag
// (a wheel turn, or the page scrolling itself) that hit-test can land on the card below. So the
// card pressed is remembered on mousedown, and a dragstart on any other card is cancelled; at
// the drop the card is looked up again by its id and its version compared with the one grabbed,
// and the form carries the risk's id, which the server checks against the address it posts to.
(function () {
  "use strict";

  var CONTROLS = "input, select, textarea, button, summary, a, label";
  var QUESTIONS = {
    owner: "Who on the train owns it?",
    rationale: "Why is it acceptable? Give the rationale.",
    mitigation_plan: "What is the plan that reduces it?",
  };
  var pressed = null; // the id of the card the mouse button went down on
  var dragged = null; // what was grabbed at dragstart: { id, version }
  var asked = null; // the form shown in the dialog, and where it came from

  function columnOf(node) {
    return node && node.closest ? node.closest("[data-roam-column]") : null;
  }

  function targetsOf(card) {
    return (card.getAttribute("data-targets") || "").split(" ").filter(Boolean);
  }

  function accepts(column, card) {
    return Boolean(column && card && targetsOf(card).indexOf(column.getAttribute("data-state")) !== -1);
  }

  // Show only the field the chosen target needs; without JavaScript all of them show.
  function showNeeds(form) {
    var select = form.querySelector("select[name=to]");
    if (!select) return;
    form.querySelectorAll("[data-needed-by]").forEach(function (field) {
      field.hidden = field.getAttribute("data-needed-by") !== select.value;
    });
  }

  function prepare(root) {
    if (!root || !root.querySelectorAll) return;
    if (root.matches && root.matches(".roam-form")) showNeeds(root);
    root.querySelectorAll(".roam-form").forEach(showNeeds);
    // The owner filter needs JavaScript: without it the grouped list alone shows.
    root.querySelectorAll("[data-owner-filter]").forEach(function (box) {
      box.hidden = false;
    });
  }

  // Find the owner by typing: options that do not match (by name or team) hide, and so do
  // empty teams; the first match is chosen when the chosen one is hidden.
  function filterOwners(box) {
    var select = box.form && box.form.querySelector("select[name=owner]");
    if (!select) return;
    var words = box.value.trim().toLowerCase();
    var first = null;
    select.querySelectorAll("optgroup").forEach(function (group) {
      var team = (group.label || "").toLowerCase();
      var any = false;
      group.querySelectorAll("option").forEach(function (option) {
        var match = !words || option.textContent.toLowerCase().indexOf(words) !== -1 || team.indexOf(words) !== -1;
        option.hidden = !match;
        if (match) {
          any = true;
          if (!first) first = option;
        }
      });
      group.hidden = !any;
    });
    var chosen = select.options[select.selectedIndex];
    if (words && first && (!chosen || chosen.hidden || !chosen.value)) select.value = first.value;
  }

  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("[data-owner-filter]")) filterOwners(event.target);
  });
  document.addEventListener("keydown", function (event) {
    // Enter in the filter goes to the list rather than submitting the move half-chosen.
    if (event.key !== "Enter" || !event.target.matches || !event.target.matches("[data-owner-filter]")) return;
    event.preventDefault();
    var select = event.target.form && event.target.form.querySelector("select[name=owner]");
    if (select) select.focus();
  });

  prepare(document);
  document.addEventListener("htmx:load", function (event) {
    prepare(event.detail.elt);
  });
  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest(".roam-form");
    if (form && event.target.name === "to") showNeeds(form);
  });

  function clearMarks() {
    document.querySelectorAll(".is-drop-target, .refuses-drop, .is-dragging").forEach(function (node) {
      node.classList.remove("is-drop-target", "refuses-drop", "is-dragging");
    });
  }

  function versionOf(card) {
    var input = card && card.querySelector(".roam-form input[name=version]");
    return input ? input.value : null;
  }

  // The card of what was grabbed, as the page shows it now (null when it is gone).
  function grabbedCard() {
    return dragged ? document.getElementById("risk-" + dragged.id) : null;
  }

  function say(text) {
    var area = document.getElementById("flash");
    if (!area) return;
    var p = document.createElement("p");
    p.className = "flash flash-error";
    p.setAttribute("role", "alert");
    p.textContent = text;
    area.replaceChildren(p);
  }

  // Working in a card's form must not start dragging the card.
  document.addEventListener("mousedown", function (event) {
    var card = event.target.closest && event.target.closest(".risk-card[data-targets]");
    pressed = card ? card.getAttribute("data-risk") : null;
    if (card) card.draggable = !event.target.closest(CONTROLS);
  });

  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".risk-card[data-targets]");
    if (!card || !card.draggable) return;
    if (pressed !== null && card.getAttribute("data-risk") !== pressed) {
      // The browser started the drag on another card than the one pressed (the page scrolled
      // in between): that drag is not what the person meant.
      event.preventDefault();
      pressed = null;
      return;
    }
    dragged = { id: card.getAttribute("data-risk"), version: versionOf(card) };
    card.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.getAttribute("data-title") || "");
    document.querySelectorAll("[data-roam-column]").forEach(function (column) {
      if (!accepts(column, card)) column.classList.add("refuses-drop");
    });
  });

  document.addEventListener("dragend", function () {
    dragged = null;
    pressed = null;
    clearMarks();
  });

  document.addEventListener("dragover", function (event) {
    var column = columnOf(event.target);
    // Without preventDefault the browser shows "no drop" and never fires the drop.
    if (!dragged || !accepts(column, grabbedCard())) return;
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
    var card = grabbedCard();
    if (!dragged || !accepts(column, card)) return;
    event.preventDefault();
    var grabbed = dragged;
    dragged = null;
    pressed = null;
    clearMarks();
    // The card grabbed, by its id; it must still be as it was when grabbed.
    if (versionOf(card) !== grabbed.version) {
      say("“" + (card.getAttribute("data-title") || "That risk") + "” changed while you dragged it: nothing was moved. Look at it and move it again.");
      return;
    }
    move(card, column);
  });

  function move(card, column) {
    var form = card.querySelector(".roam-form");
    if (!form) return;
    form.querySelector("select[name=to]").value = column.getAttribute("data-state");
    showNeeds(form);
    var needs = column.getAttribute("data-needs");
    if (needs) {
      ask(card, form, column, needs);
    } else {
      submit(form);
    }
  }

  function submit(form) {
    // requestSubmit fires the submit event that htmx listens to; without htmx it is a plain POST.
    if (form.requestSubmit) form.requestSubmit();
    else form.submit();
  }

  // Ask for what the target state needs: the card's own form, in a dialog.
  function ask(card, form, column, needs) {
    var dialog = document.getElementById("roam-dialog");
    var field = form.querySelector("[name=" + needs + "]");
    if (!dialog || typeof dialog.showModal !== "function") {
      // No dialog support: open the card's menu at the field instead.
      var menu = card.querySelector(".roam-menu");
      if (menu) menu.open = true;
      if (field) field.focus();
      return;
    }
    asked = { form: form, home: form.parentNode, next: form.nextSibling };
    dialog.setAttribute("data-risk", card.getAttribute("data-risk"));
    dialog.querySelector("[data-roam-dialog-ask]").textContent =
      "Moving “" + (card.getAttribute("data-title") || "this risk") + "” to " +
      column.getAttribute("data-label") + ". " + (QUESTIONS[needs] || "");
    dialog.querySelector("[data-roam-dialog-body]").appendChild(form);
    dialog.showModal();
    if (field) field.focus();
  }

  function putBack() {
    if (!asked) return;
    var form = asked.form;
    if (asked.home && asked.home.isConnected) {
      asked.home.insertBefore(form, asked.next && asked.next.parentNode === asked.home ? asked.next : null);
      var select = form.querySelector("select[name=to]");
      if (select) select.selectedIndex = 0;
      showNeeds(form);
    } else {
      // The board was re-rendered meanwhile: its cards carry fresh forms.
      form.remove();
    }
    asked = null;
  }

  document.addEventListener("close", function (event) {
    if (event.target.id === "roam-dialog") putBack();
  }, true);

  // Once the form in the dialog has been answered (the board is swapped in), close the dialog.
  document.addEventListener("htmx:afterRequest", function (event) {
    var dialog = document.getElementById("roam-dialog");
    if (asked && dialog && dialog.open && event.detail.elt === asked.form) dialog.close();
  });
})();

// ARTops page behaviour that htmx alone does not cover. No inline scripts: the CSP forbids them.
(function () {
  "use strict";

  function flash(text, kind) {
    var area = document.getElementById("flash");
    if (!area) return;
    var p = document.createElement("p");
    p.className = "flash flash-" + kind;
    p.setAttribute("role", kind === "error" ? "alert" : "status");
    p.textContent = text;
    area.replaceChildren(p);
  }

  // A refused htmx request (403, 404, 400…) is not swapped; say why instead. A conflict (409) and
  // bad input (422) are swapped like a success (templates/base.html): the fragment says why.
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var text = (xhr.getResponseHeader("Content-Type") || "").indexOf("text/plain") === 0 && xhr.responseText
      ? xhr.responseText
      : {
          403: "Your role on this train does not allow this.",
          404: "That no longer exists, or is not on your train.",
        }[xhr.status] || "The server could not do this (status " + xhr.status + ").";
    flash(text, "error");
  });

  document.addEventListener("htmx:sendError", function () {
    flash("The server cannot be reached. Check your connection and try again.", "error");
  });

  // Buttons that ask before doing something hard to undo: data-confirm="question".
  document.addEventListener("submit", function (event) {
    var question = event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  }, true);

  // The main navigation's groups (templates/_nav_sections.html) are <details>: they work without
  // this. It keeps one group open at a time, and closes them on a click elsewhere or on Escape.
  function navGroups() {
    return document.querySelectorAll(".topnav details[open]");
  }

  document.addEventListener("toggle", function (event) {
    var opened = event.target;
    if (!opened.matches || !opened.matches(".topnav .nav-group") || !opened.open) return;
    navGroups().forEach(function (other) {
      if (other !== opened && other.matches(".nav-group") && !other.contains(opened)) other.open = false;
    });
  }, true);

  document.addEventListener("click", function (event) {
    navGroups().forEach(function (open) {
      if (!open.contains(event.target)) open.open = false;
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var inside = event.target.closest && event.target.closest(".topnav details[open]");
    if (!inside) return;
    inside.open = false;
    inside.querySelector("summary").focus();
  });
})();

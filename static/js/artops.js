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
})();

// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";

  // Move focus to the error summary after a failed submit, so screen readers hear it.
  function focusErrors(root) {
    const summary = (root || document).querySelector("[data-focus-on-load]");
    if (summary) summary.focus();
  }

  // Print buttons (no inline script allowed by the content security policy).
  function wirePrint(root) {
    (root || document).querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  }

  // Warn before the idle time-out, and let the person stay signed in.
  function idleWarning() {
    const body = document.body;
    const idle = parseInt(body.dataset.idleSeconds || "0", 10);
    const warn = parseInt(body.dataset.warningSeconds || "0", 10);
    const box = document.getElementById("timeout-warning");
    if (!idle || !box) return;
    let timer = null;
    function arm() {
      clearTimeout(timer);
      box.hidden = true;
      timer = setTimeout(function () {
        box.hidden = false;
        const button = box.querySelector("button");
        if (button) button.focus();
      }, Math.max(0, idle - warn) * 1000);
    }
    const form = box.querySelector("form");
    if (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        fetch(form.action, {
          method: "POST",
          body: new FormData(form),
          headers: { "HX-Request": "true" },
          credentials: "same-origin",
        }).then(arm);
      });
    }
    document.body.addEventListener("htmx:afterRequest", arm);
    arm();
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusErrors();
    wirePrint();
    idleWarning();
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    focusErrors(event.target);
    wirePrint(event.target);
  });
})();

// Offline reading: registers the service worker (where the browser has them) and tells the
// person when what they see is a saved copy, or when the connection has dropped.
(function () {
  "use strict";

  if ("serviceWorker" in navigator) {
    // After the page has loaded, so that keeping the app's files never slows the first page.
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {
        // Without the worker the app works as before, online only.
      });
    });
  }

  function banner() {
    return document.getElementById("offline-banner");
  }

  function savedAt() {
    const when = document.body.dataset.offlineSavedAt;
    const date = when ? new Date(when) : null;
    return date && !isNaN(date.getTime()) ? date : null;
  }

  function show() {
    const box = banner();
    if (!box) return;
    const date = savedAt();
    if (date) {
      // The app's English is British (as the server's dates): day before month, 24 hours.
      const lang = document.documentElement.lang || "en";
      const format = new Intl.DateTimeFormat(lang === "en" ? "en-GB" : lang, {
        dateStyle: "long",
        timeStyle: "short",
      });
      box.textContent = box.dataset.savedText.replace("{when}", format.format(date));
    } else {
      box.textContent = box.dataset.offlineText;
    }
    box.setAttribute("role", "status");
  }

  function hide() {
    const box = banner();
    // Emptied, not hidden: a live region stays in place to be heard the next time.
    if (!box) return;
    box.textContent = "";
    box.removeAttribute("role");
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (savedAt() || !navigator.onLine) show();
    document.querySelectorAll("[data-go-back]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        if (window.history.length > 1) {
          event.preventDefault();
          window.history.back();
        }
      });
    });
  });
  window.addEventListener("offline", show);
  window.addEventListener("online", hide);
})();

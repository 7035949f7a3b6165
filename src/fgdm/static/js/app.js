// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";

  // Move focus to the error summary after a failed submit, so screen readers hear it.
  function focusErrors(root) {
    const summary = (root || document).querySelector("[data-focus-on-load]");
    if (summary) summary.focus();
  }

  // After htmx brings new content, put focus on it (its first heading, or the region
  // itself), so a keyboard or screen reader user is taken to what changed. A new page
  // (a boosted link or form) starts at its main heading. Polls refresh quietly.
  const focusedFor = new WeakSet();
  function focusNewContent(event) {
    const target = event.target;
    if (!(target instanceof Element) || !target.isConnected) return;
    // Once for each answer, on the first part swapped in (others come out of band).
    const xhr = event.detail && event.detail.xhr;
    if (xhr) {
      if (focusedFor.has(xhr)) return;
      focusedFor.add(xhr);
    }
    if (target.querySelector("[data-focus-on-load]")) return;
    const config = event.detail && event.detail.requestConfig;
    const cause = config && config.triggeringEvent ? config.triggeringEvent.type : "";
    const wholePage = target === document.body || (event.detail && event.detail.boosted);
    if (!wholePage && cause !== "submit" && cause !== "click") return;
    const region = wholePage ? document.getElementById("main") || document.body : target;
    const heading = region.querySelector("h1, h2, h3");
    const where = heading || region;
    if (!where.hasAttribute("tabindex")) where.setAttribute("tabindex", "-1");
    where.focus();
  }

  // A poll that brings a newer copy of part of the page (the family plan, live during
  // private family time) must not throw away where a keyboard user was: the same link or
  // button in the new copy gets the focus back.
  const FOCUSABLE = "a[href], button, input, select, textarea";
  function focusKey(element) {
    if (!element || !element.matches(FOCUSABLE)) return "";
    const action = element.form ? element.form.getAttribute("action") || "" : "";
    const name = element.getAttribute("href") || element.getAttribute("name") || "";
    return [element.tagName, name, action, element.textContent.trim()].join("|");
  }
  let keptFocus = "";
  function keepFocus(event) {
    if (event.detail && event.detail.shouldSwap === false) {
      keptFocus = "";
      return;
    }
    const active = document.activeElement;
    keptFocus = active && event.target.contains(active) ? focusKey(active) : "";
  }
  function restoreFocus() {
    if (!keptFocus) return;
    const wanted = keptFocus;
    keptFocus = "";
    const active = document.activeElement;
    if (active && active !== document.body && active.isConnected) return;
    const again = Array.from(document.querySelectorAll(FOCUSABLE)).find(function (element) {
      return focusKey(element) === wanted;
    });
    if (again) again.focus({ preventScroll: true });
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
  document.addEventListener("htmx:beforeSwap", keepFocus);
  document.addEventListener("htmx:afterSwap", function (event) {
    focusErrors(event.target);
    focusNewContent(event);
    wirePrint(event.target);
    restoreFocus();
  });
})();

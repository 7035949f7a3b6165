// The offline outbox: changes made while offline wait here (IndexedDB) and are sent when
// the connection returns, each with its own idempotency key. Works in a page and in the
// service worker (importScripts), so Background Sync can send them too.
(function (scope) {
  "use strict";

  const DB_NAME = "fgdm-outbox";
  const STORE = "changes";
  const KEY_HEADER = "Idempotency-Key";
  const SYNC_TAG = "fgdm-outbox";
  // Entries the person must look at themselves are not sent again on their own.
  const NEEDS_PERSON = ["conflict", "problem"];
  const inPage = typeof document !== "undefined";

  function request(idbRequest) {
    return new Promise(function (resolve, reject) {
      idbRequest.onsuccess = function () { resolve(idbRequest.result); };
      idbRequest.onerror = function () { reject(idbRequest.error); };
    });
  }

  function openDb() {
    const opening = indexedDB.open(DB_NAME, 1);
    opening.onupgradeneeded = function () {
      opening.result.createObjectStore(STORE, { keyPath: "id", autoIncrement: true });
    };
    return request(opening);
  }

  function withStore(mode, use) {
    return openDb().then(function (db) {
      const store = db.transaction(STORE, mode).objectStore(STORE);
      return request(use(store)).finally(function () { db.close(); });
    });
  }

  function list() {
    return withStore("readonly", function (store) { return store.getAll(); })
      .then(function (entries) {
        return entries.sort(function (a, b) { return a.id - b.id; });
      });
  }

  function save(entry) {
    return withStore("readwrite", function (store) { return store.put(entry); });
  }

  // Marks an entry as needing the person, unless it was removed meanwhile (sent by the
  // worker, or opened by the person): a removed change never comes back.
  function mark(id, state) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        const transaction = db.transaction(STORE, "readwrite");
        const store = transaction.objectStore(STORE);
        const found = store.get(id);
        found.onsuccess = function () {
          if (found.result) store.put(Object.assign(found.result, { state: state }));
        };
        transaction.oncomplete = function () { db.close(); resolve(); };
        transaction.onerror = function () { db.close(); reject(transaction.error); };
      });
    });
  }

  function remove(id) {
    return withStore("readwrite", function (store) { return store.delete(id); });
  }

  // The CSRF header name and token of the page on screen (base.html's hx-headers).
  function pageToken() {
    if (!inPage || !document.body) return null;
    try {
      const headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
      const name = Object.keys(headers)[0];
      return name ? { name: name, value: headers[name] } : null;
    } catch (error) {
      return null;
    }
  }

  function box() {
    return inPage ? document.getElementById("outbox") : null;
  }

  // Who is signed in on the page on screen ("" when nobody is).
  function owner() {
    const area = box();
    return area ? area.dataset.owner || "" : "";
  }

  // What came back: "saved", "signin", "conflict", "problem" or "later" (try again).
  function outcome(response) {
    const path = new URL(response.url || "/", scope.location.href).pathname;
    if (response.status === 401 || response.status === 403
        || (response.redirected && path === "/login")) return "signin";
    if (response.status >= 200 && response.status < 400) return "saved";
    if (response.status === 409) return "conflict";
    if (response.status >= 500 || response.status === 423) return "later";
    return "problem";
  }

  function send(entry) {
    const headers = { "Content-Type": "application/x-www-form-urlencoded" };
    headers[KEY_HEADER] = entry.key;
    // The page's own token is the newest; the worker sends the one kept in the form.
    const token = pageToken();
    if (token) headers[token.name] = token.value;
    return fetch(entry.url, {
      method: entry.method,
      body: entry.body,
      headers: headers,
      credentials: "same-origin",
      redirect: "follow",
    });
  }

  let running = null;

  // Sends every waiting entry, one at a time and in order; stops at the first that cannot
  // be sent now (no connection, not signed in, the server busy).
  function flush() {
    if (running) return running;
    const area = box();
    if (area) area.setAttribute("aria-busy", "true");
    running = (async function () {
      const saved = [];
      if (inPage && navigator.onLine === false) return saved;
      const who = owner();
      if (inPage && !who) return saved;
      for (const entry of await list()) {
        if (NEEDS_PERSON.includes(entry.state)) continue;
        if (inPage && entry.owner !== who) continue;
        let response;
        try {
          response = await send(entry);
        } catch (error) {
          break;  // no connection after all
        }
        const result = outcome(response);
        if (result === "saved") {
          await remove(entry.id);
          saved.push({ entry: entry, url: response.url });
          continue;
        }
        if (result !== "later" && !(result === "signin" && !inPage)) {
          await mark(entry.id, result);
        }
        if (result === "signin" || result === "later") break;
      }
      return saved;
    })().finally(function () {
      running = null;
      if (area) area.removeAttribute("aria-busy");
    });
    if (inPage) {
      running.then(afterFlush, function () {});
    } else {
      running.then(tellPages, function () {});
    }
    return running;
  }

  // In the worker: tells the open pages what was sent, so they show it.
  function tellPages(saved) {
    if (!scope.clients) return;
    scope.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (pages) {
      pages.forEach(function (page) { page.postMessage({ fgdmOutbox: saved }); });
    });
  }

  scope.fgdmOutbox = { list: list, flush: flush };

  if (!inPage) return;

  // --- In the page: keep changes made offline, show what waits, send when back -------

  function text(name, values) {
    let words = (box() && box().dataset[name]) || "";
    Object.keys(values || {}).forEach(function (key) {
      words = words.replace("{" + key + "}", values[key]);
    });
    return words;
  }

  function sayBeside(form, name) {
    let note = form.querySelector(".outbox-note");
    if (!note) {
      note = document.createElement("p");
      note.className = "outbox-note";
      note.setAttribute("role", "status");
      form.appendChild(note);
    }
    note.textContent = text(name);
  }

  function when(iso) {
    const date = new Date(iso);
    return new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
      dateStyle: "medium",
      timeStyle: "short",
    }).format(date);
  }

  function element(tag, className, words) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (words) node.textContent = words;
    return node;
  }

  // Sends a change the person must see as a real form, so the browser shows the app's
  // own answer (the conflict page with both versions, or the form with its problems).
  function openAsForm(entry) {
    const form = document.createElement("form");
    form.method = "post";
    form.action = entry.url;
    form.hidden = true;
    form.dataset.outboxSkip = "";
    const token = pageToken();
    const fields = new URLSearchParams(entry.body);
    fields.set("idempotency_key", entry.key);
    fields.forEach(function (value, name) {
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = name === "csrf_token" && token ? token.value : value;
      form.appendChild(input);
    });
    document.body.appendChild(form);
    remove(entry.id).then(function () { form.submit(); });
  }

  const STATES = {
    signin: { words: "signinText" },
    conflict: { words: "conflictText", button: "conflictButton" },
    problem: { words: "problemText", button: "problemButton" },
  };

  function show(entries, savedWhat) {
    const area = box();
    if (!area) return;
    const mine = entries.filter(function (entry) { return entry.owner === owner(); });
    area.replaceChildren();
    if (savedWhat.length) {
      savedWhat.forEach(function (what) {
        area.appendChild(element("p", "outbox__saved", text("savedText", { what: what })));
      });
    }
    const waiting = owner() ? mine : entries;
    if (!waiting.length) return;
    area.appendChild(element("p", "outbox__title",
      text("waitingText", { count: String(waiting.length) })));
    if (!owner()) {
      area.appendChild(element("p", "outbox__state", text("signinText")));
      return;
    }
    const items = element("ul", "outbox__list");
    waiting.forEach(function (entry) {
      const item = element("li", "outbox__item");
      item.appendChild(element("span", "outbox__what", entry.what));
      const time = element("time", "outbox__when", when(entry.at));
      time.dateTime = entry.at;
      item.appendChild(time);
      const state = STATES[entry.state];
      if (state) {
        item.appendChild(element("span", "outbox__state", text(state.words)));
        if (state.button) {
          const button = element("button", "button button--secondary", text(state.button));
          button.type = "button";
          button.addEventListener("click", function () { openAsForm(entry); });
          item.appendChild(button);
        }
      }
      items.appendChild(item);
    });
    area.appendChild(items);
  }

  function refresh(savedWhat) {
    return list().then(function (entries) { show(entries, savedWhat || []); }, function () {});
  }

  function afterFlush(saved) {
    refresh(saved.map(function (done) { return done.entry.what; }));
    const here = location.pathname;
    const madeHere = saved.filter(function (done) { return done.entry.page === here; });
    if (madeHere.length) {
      // The form it was made on is done with: show where the change now is.
      location.assign(madeHere[madeHere.length - 1].url);
    } else if (saved.some(function (done) { return new URL(done.url).pathname === here; })) {
      location.reload();
    }
  }

  function askForSync() {
    if (!("serviceWorker" in navigator) || !("SyncManager" in window)) return;
    navigator.serviceWorker.ready
      .then(function (registration) { return registration.sync.register(SYNC_TAG); })
      .catch(function () {});
  }

  function describe() {
    const heading = document.querySelector("main h1");
    const words = heading ? heading.textContent.trim().replace(/\s+/g, " ") : document.title;
    return words.slice(0, 100);
  }

  function keep(form, submitter) {
    const body = new URLSearchParams(new FormData(form, submitter)).toString();
    const url = new URL(form.action, location.href);
    const entry = {
      url: url.pathname + url.search,
      method: "POST",
      body: body,
      key: crypto.randomUUID(),
      at: new Date().toISOString(),
      what: describe(),
      owner: owner(),
      page: location.pathname,
      state: "waiting",
    };
    return save(entry).then(function () {
      sayBeside(form, "keptText");
      askForSync();
      return refresh();
    });
  }

  // Only a family's pages keep changes for later; signing in or out needs a connection.
  function mayKeep(form) {
    const url = new URL(form.action, location.href);
    return Boolean(owner()) && url.origin === location.origin
      && url.pathname.startsWith("/families/");
  }

  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || "outboxSkip" in form.dataset) return;
    if ((form.getAttribute("method") || "get").toLowerCase() !== "post") return;
    if (navigator.onLine !== false) return;
    // Caught before htmx or the browser send it (they would fail without a connection).
    event.preventDefault();
    event.stopImmediatePropagation();
    if (form.enctype === "multipart/form-data") {
      sayBeside(form, "picturesText");
    } else if (!mayKeep(form)) {
      sayBeside(form, "connectionText");
    } else {
      keep(form, event.submitter).catch(function () { sayBeside(form, "connectionText"); });
    }
  }, true);

  // An htmx request that could not reach the server at all: kept to send later.
  document.addEventListener("htmx:sendError", function (event) {
    const config = event.detail && event.detail.requestConfig;
    const form = event.detail && event.detail.elt && event.detail.elt.closest("form");
    if (!config || !form || config.verb !== "post" || form.enctype === "multipart/form-data"
        || !mayKeep(form)) return;
    keep(form, config.triggeringEvent && config.triggeringEvent.submitter)
      .catch(function () {});
  });

  window.addEventListener("online", flush);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && Array.isArray(event.data.fgdmOutbox)) afterFlush(event.data.fgdmOutbox);
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    refresh().then(flush);
  });
  // A boosted page swaps in a new, empty waiting area.
  document.addEventListener("htmx:afterSettle", function () { refresh(); });
})(typeof self !== "undefined" ? self : window);

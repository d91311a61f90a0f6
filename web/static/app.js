// The page's only script (CSP: scripts from our origin only, no inline code).
// 1. Every htmx request carries the session's CSRF token.
// 2. The idle timeout: a warning a minute before the server ends the session, and a
//    "stay signed in" button that touches the session; at the limit, back to sign-in.
(function () {
  "use strict";
  var meta = function (name) {
    var el = document.querySelector('meta[name="' + name + '"]');
    return el ? el.getAttribute("content") : null;
  };
  document.addEventListener("htmx:configRequest", function (event) {
    var token = meta("csrf-token");
    if (token) { event.detail.headers["X-CSRF-Token"] = token; }
  });

  var minutes = parseInt(meta("idle-minutes") || "0", 10);
  if (!minutes) { return; }
  var warnTimer, endTimer;
  var banner = document.getElementById("idle-warning");
  function schedule() {
    clearTimeout(warnTimer); clearTimeout(endTimer);
    if (banner) { banner.hidden = true; }
    warnTimer = setTimeout(function () { if (banner) { banner.hidden = false; } },
      Math.max(minutes - 1, 0) * 60000);
    endTimer = setTimeout(function () {
      window.location.assign("/sign-in?expired=1&next=" + encodeURIComponent(window.location.pathname));
    }, minutes * 60000);
  }
  document.addEventListener("htmx:afterRequest", schedule);
  var stay = document.getElementById("stay-signed-in");
  if (stay) {
    stay.addEventListener("click", function () {
      fetch("/api/v1/auth/me", { credentials: "same-origin" }).then(schedule);
    });
  }
  // Keyboard users: a live score or equivalent region announces itself (aria-live set in
  // the templates); nothing else to do here.
  schedule();
})();

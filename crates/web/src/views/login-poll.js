// Portvakt: keeps a waiting login step (BankID) up to date once a second, without
// reloading the page: the status line and the QR code change in place, and the browser
// moves on when the step is done. Without JavaScript the page reloads itself instead
// (<noscript><meta http-equiv="refresh">). Served as a file under the page's CSP
// (script-src 'self'); no inline handlers.
(function () {
  "use strict";
  var main = document.querySelector("main[data-poll]");
  if (!main) {
    return;
  }
  var url = main.getAttribute("data-poll");
  function later(ms) {
    window.setTimeout(tick, ms);
  }
  function tick() {
    window
      .fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json();
      })
      .then(function (data) {
        if (data.status === "done" && data.redirect) {
          window.location.assign(data.redirect);
          return;
        }
        if (data.status === "idle") {
          return;
        }
        if (data.status !== "waiting") {
          // A new step, a message, or the login ended: the page shows it.
          window.location.reload();
          return;
        }
        var view = data.view || {};
        var status = document.getElementById("step-status");
        if (status && typeof view.status === "string" && status.textContent !== view.status) {
          status.textContent = view.status;
        }
        var qr = document.querySelector(".qr");
        if (qr && typeof view.qr_svg === "string") {
          qr.innerHTML = view.qr_svg;
          if (typeof view.qr_payload === "string") {
            qr.dataset.payload = view.qr_payload;
          }
        }
        later(1000);
      })
      .catch(function () {
        later(3000);
      });
  }
  later(1000);
})();

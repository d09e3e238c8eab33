// Attendance page: refresh the live numbers (totals, chart, latest check-ins) every few
// seconds without reloading the page. Without JavaScript the page is the same, as of the
// time it was loaded. Only the page's own server is asked (its ?fragment=1 variant).
(function () {
  "use strict";

  var live = document.getElementById("attendance-live");
  if (!live || !window.fetch) return;
  var url = live.dataset.refreshUrl;
  var every = (Number(live.dataset.refreshSeconds) || 15) * 1000;
  var busy = false;
  var stopped = false;
  var timer = null;

  function stop() {
    stopped = true;
    window.clearInterval(timer);
    var note = document.createElement("p");
    note.className = "flash flash--error";
    note.setAttribute("role", "status");
    note.textContent = live.dataset.stopped;
    live.insertBefore(note, live.firstChild);
  }

  function refresh() {
    // A hidden tab needs no numbers, and a swap would steal the focus of someone
    // reading or tabbing through the live part: try again next round.
    if (stopped || busy || document.hidden || live.contains(document.activeElement)) return;
    busy = true;
    fetch(url, {credentials: "same-origin", cache: "no-store",
                headers: {"Accept": "text/html"}})
      .then(function (response) {
        // Signed out (the login page after a redirect) or no longer allowed: stop
        // rather than show the login form inside the page.
        if (response.redirected || response.status === 401 || response.status === 403) {
          stop();
          return null;
        }
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html === null) return;
        // Keep open what the organiser opened (the chart's table).
        var open = Array.prototype.map.call(
          live.querySelectorAll("details[open][id]"), function (d) { return d.id; });
        live.innerHTML = html;
        open.forEach(function (id) {
          var details = document.getElementById(id);
          if (details) details.open = true;
        });
      })
      // The venue's Wi-Fi drops now and then: keep the numbers shown, try again later.
      .catch(function () {})
      .then(function () { busy = false; });
  }

  timer = window.setInterval(refresh, every);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) refresh();
  });
})();

// "Now and next" screen: the clock ticks every second and the rooms are asked again
// every few seconds (the page's ?fragment=1 variant), without reloading the page.
// Plain ES5 and XMLHttpRequest: TV browsers are old.
(function () {
  "use strict";

  var screen = document.getElementById("now");
  var rooms = document.getElementById("now-rooms");
  var clock = document.getElementById("now-clock");
  if (!screen || !rooms) return;
  var url = screen.getAttribute("data-refresh-url");
  var every = (Number(screen.getAttribute("data-refresh-seconds")) || 30) * 1000;
  var offset = Number(screen.getAttribute("data-utc-offset")) * 60000;
  // The display's own clock may be wrong or in another zone: keep the server's time.
  var skew = Number(screen.getAttribute("data-server-time")) - Date.now();
  var preview = screen.getAttribute("data-preview") === "1";

  function two(n) { return (n < 10 ? "0" : "") + n; }

  function tick() {
    var local = new Date(Date.now() + skew + offset);  // read with the UTC getters
    var text = two(local.getUTCHours()) + ":" + two(local.getUTCMinutes());
    if (clock.textContent !== text) {
      clock.textContent = text;
      clock.setAttribute("datetime", text);
    }
  }

  function refresh() {
    var request = new XMLHttpRequest();
    request.open("GET", url, true);
    request.setRequestHeader("Accept", "text/html");
    request.onload = function () {
      // Replaced only when something changed, so screen readers are not told it again.
      if (request.status === 200 && rooms.innerHTML !== request.responseText) {
        rooms.innerHTML = request.responseText;
      }
    };
    // The venue's Wi-Fi drops now and then: keep what is shown, try again next round.
    request.send();
  }

  if (!preview && clock) window.setInterval(tick, 1000);
  window.setInterval(refresh, every);
})();

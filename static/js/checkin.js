// The check-in page: scan badges with the camera (jsQR, vendored), search names as you
// type, undo, and keep check-ins made while the Wi-Fi is gone in a queue on the device,
// sent in order when the connection returns. Every check-in goes to the same JSON call,
// POST <scan-url> {"code": ...}; a queued one also says when it was scanned.
(function () {
  "use strict";

  var root = document.getElementById("checkin");
  if (!root) return;
  var data = root.dataset;
  var resultBox = document.getElementById("result");
  var actions = document.getElementById("result-actions");
  var queueLine = document.getElementById("queue");
  var QUEUE_KEY = "eventapp-checkin-queue:" + data.slug;
  // The same badge held in front of the camera is read many times a second: one read
  // counts, the same code again only after this pause.
  var SAME_CODE_PAUSE_MS = 4000;

  // --- Showing a result: colour, words and a sound for each outcome -------------------

  var TONES = {
    checked_in: "ok", undone: "idle", already: "warn", not_checked_in: "warn",
    not_confirmed: "bad", unknown: "bad", other_event: "bad", queued: "queued",
    error: "bad"
  };

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function showResult(outcome, message, person) {
    var tone = TONES[outcome] || "bad";
    resultBox.className = "checkin-result checkin-result--" + tone;
    resultBox.dataset.outcome = outcome;
    resultBox.replaceChildren(el("p", "checkin-result__message", message));
    actions.replaceChildren();
    if (person) {
      resultBox.appendChild(el("p", "checkin-result__name", person.name));
      if (person.organisation) resultBox.appendChild(el("p", "checkin-result__org", person.organisation));
      resultBox.appendChild(el("p", "checkin-result__category", person.category_label));
      if (person.accessibility) {
        var note = el("p", "checkin-result__access");
        note.appendChild(el("strong", "", "♿ "));
        note.appendChild(document.createTextNode(person.accessibility));
        resultBox.appendChild(note);
      }
      if (person.checked_in && (outcome === "checked_in" || outcome === "already")) {
        actions.appendChild(button(data.textUndo, "button", function () { undo(person.code); }));
      }
      var print = el("a", "button", data.textPrint);
      print.href = person.badge_url;
      print.target = "_blank";
      print.rel = "noopener";
      actions.appendChild(print);
    }
    sound(tone);
  }

  function button(text, className, onClick) {
    var node = el("button", className, text);
    node.type = "button";
    node.addEventListener("click", onClick);
    return node;
  }

  var audio = null;
  function sound(tone) {
    // Beeps made on the spot (no sound files): high for "in", two for "already", low buzz
    // for "no". The phone also vibrates where it can.
    var plan = {ok: [[880, 0.12]], warn: [[600, 0.1], [600, 0.1]], bad: [[220, 0.45]],
                queued: [[700, 0.08]]}[tone];
    if (!plan) return;
    if (navigator.vibrate) navigator.vibrate(tone === "bad" ? [300] : tone === "warn" ? [80, 60, 80] : [60]);
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var t = audio.currentTime;
      plan.forEach(function (beep) {
        var osc = audio.createOscillator();
        var gain = audio.createGain();
        osc.type = tone === "bad" ? "square" : "sine";
        osc.frequency.value = beep[0];
        gain.gain.value = 0.15;
        osc.connect(gain).connect(audio.destination);
        osc.start(t);
        osc.stop(t + beep[1]);
        t += beep[1] + 0.07;
      });
    } catch (e) { /* no sound on this device: the colour still says it */ }
  }

  // --- Talking to the server ------------------------------------------------------------

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": data.csrf,
                "Accept": "application/json"},
      body: JSON.stringify(body)
    });
  }

  // Sends one check-in. Resolves to the server's answer, or to null when it must wait in
  // the queue (no connection, server unreachable or signed out).
  function send(payload) {
    if (!navigator.onLine) return Promise.resolve(null);
    return post(data.scanUrl, payload).then(function (response) {
      // 401: signed out. 400: the page's CSRF token died with the session (our own
      // requests are never malformed). Either way the check-in waits for a new sign-in.
      if (response.status === 401 || response.status === 400) {
        showLogin();
        return null;
      }
      if (response.status === 403) return {result: "error", message: data.textForbidden};
      if (response.status >= 500) return null;
      if (!response.ok) return {result: "error", message: data.textError};
      return response.json();
    }, function () { return null; });
  }

  function checkIn(code, method) {
    // The server's clock says when, unless the check-in waits in the queue (enqueue).
    // Scanned again while it waits there (the network just came back): the waiting one
    // is sent, with the time of the first scan.
    var waiting = readQueue().filter(function (item) { return item.code === code; })[0];
    var payload = waiting || {code: code, method: method};
    return send(payload).then(function (answer) {
      if (answer === null) {
        enqueue(payload);
        // Signed out: that message stays, it says what to do (the queue line counts).
        if (!signedOut) showResult("queued", data.textQueued, null);
      } else {
        if (waiting) {
          writeQueue(readQueue().filter(function (item) { return item.code !== code; }));
        }
        showResult(answer.result, answer.message, answer.person);
        if (method === "search") refreshSearch();
      }
    });
  }

  function undo(code) {
    post(data.undoUrl, {code: code}).then(function (response) {
      if (response.status === 401) return showLogin();
      if (!response.ok) return showResult("error", data.textError, null);
      return response.json().then(function (answer) {
        showResult(answer.result, answer.message, answer.person);
        refreshSearch();
      });
    }, function () { showResult("error", data.textError, null); });
  }

  var signedOut = false;
  function showLogin() {
    signedOut = true;
    showResult("error", data.textLogin, null);
    var link = el("a", "button button--primary", data.textSignIn);
    link.href = data.loginUrl;
    actions.appendChild(link);
  }

  // --- The offline queue ------------------------------------------------------------------

  function readQueue() {
    try { return JSON.parse(localStorage.getItem(QUEUE_KEY) || "[]"); } catch (e) { return []; }
  }

  function writeQueue(queue) {
    localStorage.setItem(QUEUE_KEY, JSON.stringify(queue));
    queueLine.hidden = queue.length === 0;
    queueLine.textContent = queue.length === 1 ? data.textWaitingOne
      : data.textWaiting.replace("{n}", queue.length);
  }

  function enqueue(payload) {
    var queue = readQueue();
    // A badge scanned twice while offline is one check-in: keep the first scan's time.
    if (queue.some(function (item) { return item.code === payload.code; })) return;
    queue.push({code: payload.code, method: payload.method, at: new Date().toISOString(),
                queued: true});
    writeQueue(queue);
  }

  var flushing = false;
  function flush() {
    if (flushing || !navigator.onLine) return;
    var queue = readQueue();
    if (!queue.length) return;
    flushing = true;
    send(queue[0]).then(function (answer) {
      flushing = false;
      if (answer === null) return;  // still offline: try again later
      var rest = readQueue().filter(function (item) { return item.code !== queue[0].code; });
      writeQueue(rest);
      if (rest.length) flush();
    });
  }

  window.addEventListener("online", flush);
  setInterval(flush, 5000);
  writeQueue(readQueue());
  flush();

  // --- Opening without a connection -------------------------------------------------------
  // The service worker keeps the page's files; the page keeps itself (the worker was not
  // there yet when it was first loaded), so a reload with the Wi-Fi gone still opens it.

  if ("serviceWorker" in navigator && data.serviceWorker) {
    navigator.serviceWorker.register(data.serviceWorker, {scope: data.serviceWorkerScope})
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function () {
        if (window.caches && navigator.onLine) {
          return caches.open("door-pages").then(function (cache) {
            return cache.add(location.pathname);
          });
        }
      })
      .then(function () { root.dataset.offlineReady = "true"; })
      .catch(function () { /* no service worker (plain http): the page works online */ });
  }

  // --- Scanning -------------------------------------------------------------------------

  var video = document.getElementById("video");
  var cameraBox = document.getElementById("camera");
  var startButton = document.getElementById("camera-start");
  var stopButton = document.getElementById("camera-stop");
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", {willReadFrequently: true});
  var stream = null;
  var lastCode = null;
  var lastCodeAt = 0;

  function decode(source, width, height, square) {
    // A camera frame: only its centre square, where a badge is held, at full resolution
    // (a QR code's modules stay several pixels wide). A photo: all of it. Either is
    // scaled to at most `most` pixels a side, since jsQR is much faster on fewer.
    var side = square ? Math.min(width, height) : 0;
    var sx = square ? (width - side) / 2 : 0, sy = square ? (height - side) / 2 : 0;
    var sw = square ? side : width, sh = square ? side : height;
    var most = square ? 800 : 1200;
    var scale = Math.min(1, most / Math.max(sw, sh));
    canvas.width = Math.round(sw * scale);
    canvas.height = Math.round(sh * scale);
    context.drawImage(source, sx, sy, sw, sh, 0, 0, canvas.width, canvas.height);
    var image = context.getImageData(0, 0, canvas.width, canvas.height);
    var found = window.jsQR(image.data, image.width, image.height, {inversionAttempts: "attemptBoth"});
    return found ? found.data : null;
  }

  function onCode(text) {
    var now = Date.now();
    if (text === lastCode && now - lastCodeAt < SAME_CODE_PAUSE_MS) return;
    lastCode = text;
    lastCodeAt = now;
    checkIn(text, "qr");
  }

  var lastFrame = 0;
  function tick(time) {
    if (!stream) return;
    if (time - lastFrame > 150 && video.readyState >= video.HAVE_ENOUGH_DATA) {
      lastFrame = time;
      var text = decode(video, video.videoWidth, video.videoHeight, true);
      if (text) onCode(text);
    }
    requestAnimationFrame(tick);
  }

  function startCamera() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return showResult("error", data.textNoCamera, null);
    }
    // 1280x720 where the camera has it: the browser's default 640x480 leaves a badge's
    // QR code a few pixels per module at arm's length.
    navigator.mediaDevices.getUserMedia({
      video: {facingMode: "environment", width: {ideal: 1280}, height: {ideal: 720}},
      audio: false
    })
      .then(function (media) {
        stream = media;
        video.srcObject = media;
        cameraBox.hidden = false;
        startButton.hidden = true;
        stopButton.hidden = false;
        return video.play();
      })
      .then(function () { requestAnimationFrame(tick); })
      .catch(function () { showResult("error", data.textNoCamera, null); });
  }

  function stopCamera() {
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
    cameraBox.hidden = true;
    startButton.hidden = false;
    stopButton.hidden = true;
  }

  startButton.addEventListener("click", startCamera);
  stopButton.addEventListener("click", stopCamera);

  // A photo of the badge (where the camera cannot be opened live, e.g. over plain http).
  document.getElementById("photo").addEventListener("change", function (event) {
    var file = event.target.files[0];
    if (!file) return;
    var image = new Image();
    image.onload = function () {
      var text = decode(image, image.naturalWidth, image.naturalHeight, false);
      URL.revokeObjectURL(image.src);
      if (text) { lastCode = null; onCode(text); } else showResult("unknown", data.textNoCode, null);
    };
    image.src = URL.createObjectURL(file);
    event.target.value = "";
  });

  // --- Search as you type ---------------------------------------------------------------

  var searchBox = document.getElementById("search");
  var results = document.getElementById("search-results");
  var searchTimer = null;
  var searchSeq = 0;

  function refreshSearch() {
    if (searchBox.value.trim()) runSearch();
  }

  function runSearch() {
    var seq = ++searchSeq;
    var query = searchBox.value.trim();
    if (!query) { results.replaceChildren(); return; }
    fetch(data.searchUrl + "?q=" + encodeURIComponent(query), {
      credentials: "same-origin", headers: {"Accept": "application/json"}
    }).then(function (response) {
      if (response.status === 401) { showLogin(); return null; }
      return response.ok ? response.json() : null;
    }).then(function (answer) {
      if (!answer || seq !== searchSeq) return;  // an older, slower answer: ignore it
      results.replaceChildren();
      if (!answer.people.length) results.appendChild(el("li", "meta", data.textNoneFound));
      answer.people.forEach(function (person) {
        var item = el("li", "checkin-person checkin-person--" + person.status);
        var who = el("div", "checkin-person__who");
        who.appendChild(el("span", "checkin-person__name", person.name));
        var details = [person.organisation, person.category_label];
        if (person.status !== "confirmed") details.push(person.status_label);
        if (person.checked_in) details.push(data.textCheckedInAt.replace("{time}", person.checked_in_time));
        who.appendChild(el("span", "checkin-person__org", details.filter(Boolean).join(" · ")));
        item.appendChild(who);
        if (person.checked_in) {
          item.appendChild(button(data.textUndo, "button button--small", function () { undo(person.code); }));
        } else if (person.status === "confirmed") {
          item.appendChild(button(data.textCheckIn, "button button--primary", function () {
            checkIn(person.code, "search");
          }));
        }
        results.appendChild(item);
      });
    }).catch(function () { /* offline: the list stays as it was */ });
  }

  searchBox.addEventListener("input", function () {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(runSearch, 150);
  });
})();

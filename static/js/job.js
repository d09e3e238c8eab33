// A job's page: fill the progress bar, its numbers and the estimate from status.json
// every second until the job has finished, then show the download link. Without
// JavaScript the page is the same as of the time it was loaded, with a Refresh link.
// Any page whose status.json has a job's shape uses it too (an organiser's message
// being sent): data-text-id names its text when that is not #job-text; the estimate
// and the download link are left out where the page has none; data-status-line-id
// names a status line to keep up to date from status_text.
(function () {
  "use strict";

  var live = document.getElementById("job-live");
  if (!live || !window.fetch || live.dataset.finished === "true") return;
  var url = live.dataset.statusUrl;
  var bar = live.querySelector("progress");
  var text = document.getElementById(live.dataset.textId || "job-text");
  var estimate = document.getElementById("job-estimate");
  var download = document.getElementById("job-download");
  var refreshLink = document.getElementById("job-refresh");
  var cancel = document.getElementById("job-cancel");
  // A status line beside the bar (an organiser's message: "Being sent", then "Sent").
  var statusLine = live.dataset.statusLineId && document.getElementById(live.dataset.statusLineId);
  var failures = 0;
  var timer = null;

  function show(state) {
    bar.max = state.total || 1;
    bar.value = state.total ? state.done : 0;
    bar.textContent = state.done + " / " + state.total;
    // Only a change is written: the live region then announces it, not every poll.
    if (text.textContent !== state.text) text.textContent = state.text;
    if (estimate && estimate.textContent !== state.estimate) estimate.textContent = state.estimate;
    if (statusLine && state.status_text && statusLine.textContent.trim() !== state.status_text) {
      statusLine.textContent = state.status_text;
    }
    if (state.finished) {
      window.clearInterval(timer);
      if (state.download && download) download.hidden = false;
      if (refreshLink) refreshLink.hidden = true;
      if (cancel) cancel.hidden = true;
    }
  }

  function poll() {
    if (document.hidden) return;
    fetch(url, {credentials: "same-origin", cache: "no-store",
                headers: {"Accept": "application/json"}})
      .then(function (response) {
        // Signed out or no longer allowed: stop, and say so.
        if (response.redirected || response.status === 401 || response.status === 403) {
          throw new Error("stopped");
        }
        return response.ok ? response.json() : null;
      })
      .then(function (state) {
        failures = 0;
        if (state) show(state);
      })
      .catch(function () {
        // The network drops now and then: try again, and give up after a minute.
        failures += 1;
        if (failures >= 60) {
          window.clearInterval(timer);
          text.textContent = live.dataset.stopped;
        }
      });
  }

  timer = window.setInterval(poll, 1000);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) poll();
  });
})();

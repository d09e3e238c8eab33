// The compose form's recipient count, updated as the filters change (the form's
// "Count again" button does the same without JavaScript).
(function () {
  "use strict";
  var form = document.querySelector("form[data-count-url]");
  var output = document.getElementById("recipient-count");
  if (!form || !output) return;
  var names = ["status", "category", "country", "checked_in"];
  // Answers can come back out of order (two changes in quick succession): only the
  // latest request's count is shown.
  var latest = 0;
  function update() {
    var sent = ++latest;
    var params = new URLSearchParams();
    names.forEach(function (name) {
      var field = form.elements.namedItem(name);
      if (field && field.value) params.set(name, field.value);
    });
    fetch(form.dataset.countUrl + "?" + params.toString(), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data && sent === latest) output.textContent = data.text; })
      .catch(function () { /* the Count button still works */ });
  }
  names.forEach(function (name) {
    var field = form.elements.namedItem(name);
    if (field) field.addEventListener("change", update);
  });
})();

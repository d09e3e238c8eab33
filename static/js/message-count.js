// The compose form's recipient count, updated as the filters change (the form's
// "Count again" button does the same without JavaScript).
(function () {
  "use strict";
  var form = document.querySelector("form[data-count-url]");
  var output = document.getElementById("recipient-count");
  if (!form || !output) return;
  var names = ["status", "category", "country", "checked_in"];
  function update() {
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
      .then(function (data) { if (data) output.textContent = data.text; })
      .catch(function () { /* the Count button still works */ });
  }
  names.forEach(function (name) {
    var field = form.elements.namedItem(name);
    if (field) field.addEventListener("change", update);
  });
})();

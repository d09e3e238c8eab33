// Organiser pages: confirmation before destructive actions, and drag-and-drop ordering.
// Everything here has a no-JavaScript fallback (plain forms, Up/Down buttons).
(function () {
  "use strict";

  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });

  document.querySelectorAll("ol.sortable").forEach(function (list) {
    var dragged = null;

    list.addEventListener("dragstart", function (event) {
      dragged = event.target.closest(".sortable__item");
      if (!dragged) return;
      dragged.classList.add("sortable__item--dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", dragged.dataset.personId);
    });

    list.addEventListener("dragover", function (event) {
      if (!dragged) return;
      event.preventDefault();
      var over = event.target.closest(".sortable__item");
      if (!over || over === dragged) return;
      var box = over.getBoundingClientRect();
      var after = event.clientY > box.top + box.height / 2;
      list.insertBefore(dragged, after ? over.nextSibling : over);
    });

    list.addEventListener("drop", function (event) {
      event.preventDefault();
    });

    list.addEventListener("dragend", function () {
      if (!dragged) return;
      dragged.classList.remove("sortable__item--dragging");
      dragged = null;
      var order = Array.prototype.map.call(
        list.querySelectorAll(".sortable__item"),
        function (li) { return Number(li.dataset.personId); });
      fetch(list.dataset.orderUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRFToken": list.dataset.csrf},
        body: JSON.stringify({order: order})
      }).then(function (response) {
        // Reload so the Up/Down buttons and the change log match the saved order.
        if (response.ok) window.location.reload();
        else response.json().then(function (body) { window.alert(body.error); window.location.reload(); });
      });
    });
  });
})();

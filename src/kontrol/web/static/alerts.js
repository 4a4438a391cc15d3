// The alerts list: "pick all on this page" ticks (or clears) every row's box.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!(box instanceof HTMLInputElement) || box.id !== "pick-page") return;
    var rows = document.querySelectorAll("input.pick-alert");
    for (var i = 0; i < rows.length; i++) rows[i].checked = box.checked;
  });
})();

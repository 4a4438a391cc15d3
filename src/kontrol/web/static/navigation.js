// The top bar's menu groups: one open at a time, closed by a click elsewhere or Escape.
(function () {
  "use strict";
  function groups() { return document.querySelectorAll("nav.menu details.nav-group"); }
  document.addEventListener("toggle", function (event) {
    var opened = event.target;
    if (!(opened instanceof HTMLDetailsElement) || !opened.classList.contains("nav-group") || !opened.open) return;
    groups().forEach(function (other) { if (other !== opened) other.open = false; });
  }, true);
  document.addEventListener("click", function (event) {
    groups().forEach(function (group) { if (group.open && !group.contains(event.target)) group.open = false; });
  });
  document.addEventListener("keydown", function (event) {
    if (event.code !== "Escape") return;
    groups().forEach(function (group) { group.open = false; });
  });
})();
// On a phone the header folds its sections behind the menu button (kontrol.css).
(function () {
  "use strict";
  var button = document.getElementById("menu-button");
  if (!button) return;
  var bar = button.closest(".topbar");
  button.addEventListener("click", function () {
    var open = bar.classList.toggle("menu-open");
    button.setAttribute("aria-expanded", open ? "true" : "false");
  });
  document.addEventListener("keydown", function (event) {
    if (event.code !== "Escape" || !bar.classList.contains("menu-open")) return;
    bar.classList.remove("menu-open");
    button.setAttribute("aria-expanded", "false");
    button.focus();
  });
})();

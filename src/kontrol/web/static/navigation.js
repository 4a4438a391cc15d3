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

// Name pickers (templates/_picker.html): a person types part of a name and picks it
// from the list; the hidden field next to it gets that name's id, which the form sends.
// A text that is no name on the list is sent as typed (an id still works; the server
// says when it names nobody).
(function () {
  "use strict";

  function chosen(list, text) {
    if (!list) return null;
    var lower = text.toLowerCase();
    for (var i = 0; i < list.options.length; i++) {
      var option = list.options[i];
      if (option.value.toLowerCase() === lower || option.getAttribute("data-id") === text) {
        return option;
      }
    }
    return null;
  }

  function sync(input) {
    var hidden = input.parentElement.querySelector("[data-picker-value]");
    if (!hidden) return;
    var text = input.value.trim();
    var option = text ? chosen(document.getElementById(input.getAttribute("list")), text) : null;
    hidden.value = option ? option.getAttribute("data-id") : text;
  }

  function onEdit(event) {
    var target = event.target;
    if (target instanceof HTMLInputElement && target.hasAttribute("data-picker-for")) {
      sync(target);
    }
  }

  document.addEventListener("input", onEdit);
  document.addEventListener("change", onEdit);
})();

// The scorecard editor: add, remove and reorder sections and criteria in the page.
// The server reads the fields in page order, so moving an element is all a reorder
// needs. Drag by the ⠿ handle with a mouse; the ↑ ↓ buttons do the same from the
// keyboard and on a phone.
(function () {
  "use strict";
  var form = document.getElementById("scorecard-form");
  if (!form) { return; }
  var sections = document.getElementById("f-sections");

  function fromTemplate(id) {
    var template = document.getElementById(id);
    return template.content.firstElementChild.cloneNode(true);
  }

  function renumber() {
    var total = 0;
    var wrong = "";
    var shownTotal = document.getElementById("sc-total-weight");
    var allSections = sections.querySelectorAll(".sc-section");
    allSections.forEach(function (section, i) {
      var number = section.querySelector(".sc-section-number");
      if (number) { number.textContent = String(i + 1); }
      section.querySelectorAll(".sc-criterion").forEach(function (criterion, j) {
        var label = criterion.querySelector(".sc-number");
        if (label) { label.textContent = (i + 1) + "." + (j + 1); }
        var bonus = criterion.querySelector('input[name="criterion_bonus"]');
        var input = criterion.querySelector(".sc-weight-input");
        var text = (input.value || "").replace(/[\s\u00a0]/g, "").replace(",", ".");
        var weight = Number(text || "1");
        // «десять» is not a weight: named next to the total, which does not count it as 0.
        if (text !== "" && !isFinite(weight)) {
          input.setAttribute("aria-invalid", "true");
          input.dataset.notNumber = "1";
          if (!wrong && shownTotal) {
            var title = criterion.querySelector('input[name="criterion_title"]');
            wrong = (shownTotal.dataset.notNumber || "")
              .replace("{n}", (i + 1) + "." + (j + 1))
              .replace("{title}", title ? title.value : "");
          }
        } else if (input.dataset.notNumber) {
          input.removeAttribute("aria-invalid");
          delete input.dataset.notNumber;
        }
        if (isFinite(weight) && !(bonus && bonus.checked) && weight > 0) { total += weight; }
      });
    });
    var shown = document.getElementById("sc-total-weight");
    if (shown) {
      var lang = document.documentElement.lang === "ru" ? "ru-RU" : "en-GB";
      shown.textContent = wrong ? "—" : total.toLocaleString(lang, { maximumFractionDigits: 2 });
      var problem = document.getElementById("sc-weight-problem");
      if (problem) { problem.textContent = wrong; }
    }
  }

  function itemOf(element) {
    return element.closest(".sc-criterion") || element.closest(".sc-section");
  }

  function move(item, direction) {
    var isCriterion = item.classList.contains("sc-criterion");
    if (direction === "up") {
      var before = item.previousElementSibling;
      if (before) {
        item.parentNode.insertBefore(item, before);
      } else if (isCriterion) {
        // The first criterion of a section goes up to the end of the section above.
        var above = item.closest(".sc-section").previousElementSibling;
        if (above) { above.querySelector(".sc-criteria").appendChild(item); }
      }
    } else {
      var after = item.nextElementSibling;
      if (after) {
        item.parentNode.insertBefore(after, item);
      } else if (isCriterion) {
        var below = item.closest(".sc-section").nextElementSibling;
        if (below) {
          var list = below.querySelector(".sc-criteria");
          list.insertBefore(item, list.firstElementChild);
        }
      }
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button") : null;
    if (!button || !form.parentNode.contains(button)) { return; }
    if (button.hasAttribute("data-move")) {
      move(itemOf(button), button.getAttribute("data-move"));
      button.focus();
      renumber();
    } else if (button.hasAttribute("data-remove")) {
      var item = button.getAttribute("data-remove") === "section"
        ? button.closest(".sc-section") : button.closest(".sc-criterion");
      var next = item.nextElementSibling || item.previousElementSibling;
      item.parentNode.removeChild(item);
      if (next) {
        var focus = next.querySelector("input:not([type=hidden])");
        if (focus) { focus.focus(); }
      }
      renumber();
    } else if (button.hasAttribute("data-add")) {
      var added;
      if (button.getAttribute("data-add") === "section") {
        added = fromTemplate("sc-new-section");
        sections.appendChild(added);
      } else {
        added = fromTemplate("sc-new-criterion");
        button.closest(".sc-section").querySelector(".sc-criteria").appendChild(added);
      }
      added.querySelector("input:not([type=hidden])").focus();
      renumber();
    }
  });

  // Dragging: an item becomes draggable while its handle is held.
  var dragged = null;
  document.addEventListener("mousedown", function (event) {
    var handle = event.target.closest ? event.target.closest(".sc-handle") : null;
    if (!handle) { return; }
    var item = itemOf(handle);
    if (item) { item.setAttribute("draggable", "true"); }
  });
  document.addEventListener("mouseup", function () {
    document.querySelectorAll("[draggable=true].sc-criterion, [draggable=true].sc-section").forEach(function (item) {
      if (item !== dragged) { item.removeAttribute("draggable"); }
    });
  });
  form.addEventListener("dragstart", function (event) {
    var item = event.target;
    if (!item.getAttribute || item.getAttribute("draggable") !== "true") { return; }
    dragged = item;
    item.classList.add("sc-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", "");
  });
  form.addEventListener("dragover", function (event) {
    if (!dragged) { return; }
    var isCriterion = dragged.classList.contains("sc-criterion");
    var target = isCriterion ? event.target.closest(".sc-criterion") : event.target.closest(".sc-section");
    if (isCriterion && !target) {
      // Over a section's empty space: the end of its list.
      var section = event.target.closest(".sc-section");
      if (!section) { return; }
      event.preventDefault();
      var list = section.querySelector(".sc-criteria");
      if (dragged.parentNode !== list || list.lastElementChild !== dragged) { list.appendChild(dragged); }
      return;
    }
    if (!target || target === dragged || target.contains(dragged)) {
      if (target === dragged) { event.preventDefault(); }
      return;
    }
    event.preventDefault();
    var box = target.getBoundingClientRect();
    var after = event.clientY > box.top + box.height / 2;
    target.parentNode.insertBefore(dragged, after ? target.nextElementSibling : target);
  });
  form.addEventListener("drop", function (event) {
    if (dragged) { event.preventDefault(); }
  });
  form.addEventListener("dragend", function () {
    if (!dragged) { return; }
    dragged.classList.remove("sc-dragging");
    dragged.removeAttribute("draggable");
    dragged = null;
    renumber();
  });

  form.addEventListener("input", function (event) {
    if (event.target.classList.contains("sc-weight-input")) { renumber(); }
  });
  form.addEventListener("change", function (event) {
    if (event.target.name === "criterion_bonus") { renumber(); }
  });
  renumber();
})();

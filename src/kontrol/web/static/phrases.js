// The phrase lists page: typing in the search box shows only the lists whose name,
// title or phrases contain the text, and opens them; an empty box shows every list
// as the page came (filled lists open, the rest closed).
(function () {
  "use strict";
  var box = document.getElementById("phrase-search");
  if (!box) return;
  var lists = Array.prototype.slice.call(document.querySelectorAll("details.phrase-list"));
  var none = document.getElementById("phrase-none");
  var openAtFirst = lists.map(function (list) { return list.open; });

  box.addEventListener("input", function () {
    var text = box.value.trim().toLowerCase();
    var shown = 0;
    lists.forEach(function (list, index) {
      var found = !text || (list.getAttribute("data-search") || "").indexOf(text) !== -1;
      list.hidden = !found;
      list.open = text ? found : openAtFirst[index];
      if (found) shown += 1;
    });
    if (none) none.hidden = shown > 0;
  });
})();

// The reviewer workspace: keyboard shortcuts, the focused criterion's evidence in the
// transcript, and seeking the recording from a call segment. No inline script (CSP).
// The calibration scoring page (#score-form, one fieldset a criterion) uses the same keys.
(function () {
  "use strict";

  var form = document.getElementById("review-form") || document.getElementById("score-form");
  if (!form) {
    return;
  }
  // A phone has no keyboard to speak of: the shortcuts' legend starts folded there.
  if (window.matchMedia("(max-width: 700px)").matches) {
    document.querySelectorAll("details.review-legend").forEach(function (legend) { legend.open = false; });
  }
  // The address names the item shown (walk-through 4): a page answered to a form's POST
  // (a refusal shown with the input kept) would otherwise keep the form's address, and
  // a refresh or a shared link would not open this item.
  var itemUrl = form.getAttribute("data-item-url");
  if (itemUrl && window.history && window.URL) {
    var wanted = new URL(itemUrl, window.location.href);
    var here = new URL(window.location.href);
    if (wanted.pathname !== here.pathname ||
        wanted.searchParams.get("evaluation") !== here.searchParams.get("evaluation")) {
      window.history.replaceState(null, "", itemUrl);
    }
  }
  var criteria = Array.prototype.slice.call(form.querySelectorAll(".review-criterion, .criterion-answer"));
  var current = -1;

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "TEXTAREA" || tag === "SELECT" ||
      (tag === "INPUT" && target.type !== "radio" && target.type !== "checkbox");
  }

  function marksOf(check) {
    if (!check) {
      return [];
    }
    return Array.prototype.filter.call(
      document.querySelectorAll(".transcript mark.evidence"),
      function (mark) {
        return (mark.getAttribute("data-checks") || "").split(" ").indexOf(check) >= 0;
      }
    );
  }

  function focusCriterion(index, scroll) {
    if (!criteria.length) {
      return;
    }
    index = Math.max(0, Math.min(criteria.length - 1, index));
    criteria.forEach(function (item) {
      item.classList.remove("review-current");
    });
    document.querySelectorAll(".transcript mark.evidence-focus").forEach(function (mark) {
      mark.classList.remove("evidence-focus");
    });
    current = index;
    var item = criteria[index];
    item.classList.add("review-current");
    if (scroll !== false) {
      item.focus({ preventScroll: true });
      item.scrollIntoView({ block: "nearest" });
    }
    var marks = marksOf(item.getAttribute("data-check"));
    marks.forEach(function (mark) {
      mark.classList.add("evidence-focus");
    });
    if (marks.length && scroll !== false) {
      marks[0].scrollIntoView({ block: "nearest" });
    }
  }

  function refreshOverturned(item) {
    var auto = item.getAttribute("data-auto");
    var chosen = item.querySelector("input[type=radio]:checked");
    var value = chosen ? chosen.value : "";
    item.classList.toggle("review-overturned", Boolean(auto && value && value !== auto));
  }

  function answer(value) {
    if (current < 0) {
      focusCriterion(0);
    }
    var item = criteria[current];
    var radio = item.querySelector('input[type=radio][value="' + value + '"]');
    if (!radio && value === "") {
      // No «unanswered» choice (calibration): clearing unchecks the criterion's choices.
      item.querySelectorAll("input[type=radio]:checked").forEach(function (chosen) { chosen.checked = false; });
      refreshOverturned(item);
      return true;
    }
    if (!radio) {
      return false;
    }
    radio.checked = true;
    refreshOverturned(item);
    return true;
  }

  function press(button) {
    if (!button) {
      return;
    }
    if (typeof form.requestSubmit === "function") {
      form.requestSubmit(button);
    } else {
      button.click();
    }
  }

  criteria.forEach(function (item, index) {
    item.addEventListener("focusin", function () {
      if (current !== index) {
        focusCriterion(index, false);
      }
    });
    item.addEventListener("click", function () {
      if (current !== index) {
        focusCriterion(index, false);
      }
    });
    item.addEventListener("change", function () {
      refreshOverturned(item);
    });
  });

  document.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && (event.code === "Enter" || event.code === "NumpadEnter")) {
      event.preventDefault();
      // As the «submit and next» button: submit, then the next item of the queue. An
      // evaluation already submitted has no such button: Ctrl+Enter saves its changes.
      // In calibration: «Сохранить и дальше».
      press(document.getElementById("review-submit-next") || document.getElementById("review-submit") ||
        document.getElementById("save-next"));
      return;
    }
    if (event.code === "Escape" && typing(event.target)) {
      event.target.blur();
      if (current >= 0) {
        criteria[current].focus({ preventScroll: true });
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) {
      return;
    }
    // Physical keys (event.code), so the shortcuts work in any keyboard layout:
    // on a Russian layout "j" types "о" but is still KeyJ.
    var code = event.code || "";
    var letter = code.indexOf("Key") === 0 ? code.slice(3).toLowerCase() : "";
    var digit = code.indexOf("Digit") === 0 ? code.slice(5) : code.indexOf("Numpad") === 0 ? code.slice(6) : "";
    var handled = true;
    if (letter === "j" || code === "ArrowDown" && event.shiftKey) {
      focusCriterion(current + 1);
    } else if (letter === "k" || code === "ArrowUp" && event.shiftKey) {
      focusCriterion(current - 1);
    } else if (letter === "n" && event.shiftKey) {
      var nextUrl = form.getAttribute("data-next-url");
      if (nextUrl) {
        window.location.assign(nextUrl);
      } else {
        handled = false;
      }
    } else if (letter === "p") {
      handled = answer("pass");
    } else if (letter === "f") {
      handled = answer("fail");
    } else if (letter === "n") {
      handled = answer("na");
    } else if (digit >= "1" && digit <= "5" && digit.length === 1) {
      handled = answer(digit);
    } else if (digit === "0") {
      handled = answer("");
    } else if (letter === "c") {
      if (current < 0) {
        focusCriterion(0);
      }
      var note = criteria[current].querySelector("textarea") || document.getElementById("score-comment");
      if (note) {
        note.focus();
      }
    } else if (letter === "s") {
      press(document.getElementById("review-save-draft") || document.getElementById("save-score"));
    } else {
      handled = false;
    }
    if (handled) {
      event.preventDefault();
    }
  });

  // Clicking a call segment's time plays the recording from there.
  var audio = document.getElementById("review-audio");
  if (audio) {
    document.querySelectorAll(".transcript .msg .meta time").forEach(function (stamp) {
      var found = /^(\d+):(\d\d)(?:–|$)/.exec(stamp.textContent.trim());
      if (!found || /^\d\d:\d\d:\d\d$/.test(stamp.textContent.trim())) {
        return;
      }
      stamp.classList.add("review-seek");
      stamp.setAttribute("role", "button");
      stamp.setAttribute("tabindex", "0");
      var seconds = parseInt(found[1], 10) * 60 + parseInt(found[2], 10);
      function seek() {
        audio.currentTime = seconds;
        audio.play().catch(function () {});
      }
      stamp.addEventListener("click", seek);
      stamp.addEventListener("keydown", function (event) {
        if (event.key === "Enter") {
          seek();
        }
      });
    });
  }

  var firstOpen = criteria.findIndex(function (item) {
    return !item.querySelector("input[type=radio]:checked") ||
      item.querySelector("input[type=radio][value='']:checked");
  });
  if (criteria.length && !document.getElementById("review-error") && !document.getElementById("score-error")) {
    focusCriterion(firstOpen >= 0 ? firstOpen : 0, false);
  }
})();

// The countdown of a running test. The deadline is the server's: this only shows it.
(function () {
  var box = document.getElementById("timer");
  var value = document.getElementById("timer-value");
  if (!box || !value) { return; }
  var end = Date.now() + parseInt(box.getAttribute("data-seconds"), 10) * 1000;
  function tick() {
    var left = Math.max(0, Math.round((end - Date.now()) / 1000));
    var seconds = left % 60;
    value.textContent = Math.floor(left / 60) + ":" + (seconds < 10 ? "0" : "") + seconds;
    if (left === 0) { box.classList.add("qa-bad"); return; }
    setTimeout(tick, 1000);
  }
  tick();
})();

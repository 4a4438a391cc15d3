// The call timeline under the recording (speech): both speakers' waveforms and turns,
// silences, overlaps and raised voice, drawn from /api/v1/speech/interactions/<id>.
// Clicking the timeline, a transcript line or a check's evidence seeks the player;
// the speed menu sets the playback rate. No inline script or style (CSP).
(function () {
  "use strict";

  var player = document.getElementById("speech-player");
  if (!player) {
    return;
  }
  var audio = document.getElementById(player.getAttribute("data-audio"));
  var svg = document.getElementById("speech-timeline");
  var NS = "http://www.w3.org/2000/svg";
  var WIDTH = 1000;
  var duration = 0;
  var cursor = null;

  function rect(x0, x1, y, height, cls) {
    var node = document.createElementNS(NS, "rect");
    var x = Math.max(0, Math.min(WIDTH, (x0 / duration) * WIDTH));
    var w = Math.max(1, ((x1 - x0) / duration) * WIDTH);
    node.setAttribute("x", x.toFixed(2));
    node.setAttribute("y", String(y));
    node.setAttribute("width", w.toFixed(2));
    node.setAttribute("height", String(height));
    node.setAttribute("class", cls);
    svg.appendChild(node);
    return node;
  }

  function seek(seconds) {
    if (!audio || !isFinite(seconds)) {
      return;
    }
    audio.currentTime = Math.max(0, seconds);
    audio.play().catch(function () {});
  }

  function draw(figures) {
    duration = figures.duration || 0;
    if (!duration) {
      return;
    }
    (figures.silences || []).forEach(function (gap) {
      rect(gap[0], gap[1], 0, 120, "silence");
    });
    var lanes = figures.speakers.length === 2 ? [8, 58] : [30];
    figures.speakers.forEach(function (speaker, index) {
      var top = lanes[index];
      var role = speaker.role === "agent" || speaker.role === "customer" ? speaker.role : "speaker";
      var envelope = speaker.envelope || [];
      var step = duration / Math.max(1, envelope.length);
      envelope.forEach(function (value, bin) {
        var height = Math.max(0.5, value * 40);
        rect(bin * step, (bin + 1) * step, top + 20 - height / 2, height, "wave-" + role);
      });
      speaker.turns.forEach(function (turn) {
        var node = rect(turn[0], turn[1], top + 40, 4, "turn-" + role);
        node.appendChild(document.createElementNS(NS, "title")).textContent =
          role + " " + turn[0].toFixed(1) + "–" + turn[1].toFixed(1) + " s";
      });
      (speaker.raised || []).forEach(function (span) {
        rect(span[0], span[1], top, 4, "raised");
      });
    });
    (figures.overlaps || []).forEach(function (overlap) {
      var node = rect(overlap.start, overlap.end, 110, 10, "overlap");
      node.appendChild(document.createElementNS(NS, "title")).textContent =
        overlap.by + " → " + overlap.over + " " + overlap.start.toFixed(1) + " s";
    });
    cursor = document.createElementNS(NS, "line");
    cursor.setAttribute("class", "cursor");
    cursor.setAttribute("y1", "0");
    cursor.setAttribute("y2", "120");
    svg.appendChild(cursor);
    moveCursor();
    var summary = document.getElementById("speech-summary");
    var parts = [];
    figures.speakers.forEach(function (speaker) {
      var who = summary.getAttribute("data-" + speaker.role) || speaker.role;
      parts.push(who + ": " + summary.getAttribute("data-talk") + " " +
        speaker.talk_seconds.toFixed(0) + " " + summary.getAttribute("data-seconds"));
    });
    parts.push(summary.getAttribute("data-silence") + " " + Math.round(figures.silence_ratio * 100) + "%");
    if (figures.overlaps) {
      parts.push(summary.getAttribute("data-overlaps") + " " + figures.overlaps.length);
      var interrupted = 0;
      Object.keys(figures.interruptions || {}).forEach(function (role) {
        interrupted += figures.interruptions[role];
      });
      parts.push(summary.getAttribute("data-interruptions") + " " + interrupted);
    }
    summary.textContent = parts.join(" · ");
    player.hidden = false;
  }

  function moveCursor() {
    if (!cursor || !audio || !duration) {
      return;
    }
    var x = ((audio.currentTime || 0) / duration) * WIDTH;
    cursor.setAttribute("x1", x.toFixed(2));
    cursor.setAttribute("x2", x.toFixed(2));
  }

  svg.addEventListener("click", function (event) {
    var box = svg.getBoundingClientRect();
    if (box.width > 0 && duration) {
      seek(((event.clientX - box.left) / box.width) * duration);
    }
  });

  var speed = document.getElementById("speech-speed");
  if (speed && audio) {
    speed.addEventListener("change", function () {
      audio.playbackRate = parseFloat(speed.value) || 1;
    });
  }
  if (audio) {
    audio.addEventListener("timeupdate", moveCursor);
  }

  // A transcript line or a check's evidence: play from the start of its segment.
  function startOf(message) {
    var stamps = message.querySelectorAll(".meta time");
    for (var i = 0; i < stamps.length; i += 1) {
      var found = /^(\d+):(\d\d)(?:–|$)/.exec(stamps[i].textContent.trim());
      if (found && !/^\d\d:\d\d:\d\d$/.test(stamps[i].textContent.trim())) {
        return parseInt(found[1], 10) * 60 + parseInt(found[2], 10);
      }
    }
    return NaN;
  }
  // Evidence measured on the audio alone (no transcript) carries its second.
  document.querySelectorAll(".evidence-at[data-seconds]").forEach(function (stamp) {
    var at = parseFloat(stamp.getAttribute("data-seconds"));
    if (!isFinite(at)) {
      return;
    }
    stamp.classList.add("speech-seekable");
    stamp.addEventListener("click", function () {
      seek(at);
    });
  });
  document.querySelectorAll(".transcript .msg").forEach(function (message) {
    var start = startOf(message);
    if (isNaN(start)) {
      return;
    }
    var text = message.querySelector(".text");
    if (text) {
      text.classList.add("speech-seekable");
      text.addEventListener("click", function () {
        seek(start);
      });
    }
  });

  fetch(player.getAttribute("data-figures"), { credentials: "same-origin" })
    .then(function (answer) {
      return answer.ok ? answer.json() : null;
    })
    .then(function (body) {
      if (body && body.figures) {
        draw(body.figures);
      }
    })
    .catch(function () {});
})();

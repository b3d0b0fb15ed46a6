// The dashboard's timer card: the timer runs in the browser (static/js/engagements.js keeps
// its state in localStorage per engagement); this shows the ones started here.
(function () {
  "use strict";
  var card = document.querySelector("[data-dash-timers]");
  if (!card) return;
  var rows = card.querySelectorAll("[data-timer-key]");
  var pad = function (n) { return (n < 10 ? "0" : "") + n; };
  var read = function (key) {
    try { return JSON.parse(window.localStorage.getItem(key)) || null; } catch (e) { return null; }
  };
  var render = function () {
    var any = false;
    rows.forEach(function (row) {
      var state = read(row.dataset.timerKey);
      row.hidden = !state;
      if (!state) return;
      any = true;
      var ms = (state.accumulated || 0) + (state.startedAt ? Date.now() - state.startedAt : 0);
      var s = Math.floor(ms / 1000);
      row.querySelector("[data-timer-face]").textContent =
        Math.floor(s / 3600) + ":" + pad(Math.floor(s / 60) % 60) + ":" + pad(s % 60);
      row.querySelector("[data-timer-state]").textContent = state.startedAt
        ? "Running"
        : "Stopped: open it to log the time";
    });
    card.hidden = !any;
  };
  render();
  window.setInterval(render, 1000);
  window.addEventListener("storage", render);
})();

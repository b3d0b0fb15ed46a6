// Engagement pages: progressive enhancements only; every form works without this file.
(function () {
  "use strict";

  // --- New proposal: show only the chosen pay model's terms (without JS all show) ---------
  var proposalForm = document.querySelector("[data-pp-form]");
  if (proposalForm) {
    var proposalPayModel = proposalForm.querySelector("[name=pay_model]");
    var syncProposalTerms = function () {
      proposalForm.querySelectorAll("[data-pay-model]").forEach(function (set) {
        var on = set.dataset.payModel === proposalPayModel.value;
        set.hidden = !on;
        set.disabled = !on;
      });
    };
    proposalPayModel.addEventListener("change", syncProposalTerms);
    syncProposalTerms();
  }

  // --- New/edit engagement: show only the chosen pay model's terms -----------------------
  var form = document.querySelector("[data-engagement-form]");
  if (form) {
    var payModel = form.querySelector("[name=pay_model]");
    var sections = form.querySelectorAll("[data-terms]");
    var syncTerms = function () {
      sections.forEach(function (section) {
        var models = section.dataset.terms.split(" ");
        section.hidden = models.indexOf(payModel.value) === -1;
      });
    };
    form.classList.add("js-terms");
    payModel.addEventListener("change", syncTerms);
    syncTerms();

    // The empty currency choice means "the client's": name it once a client is chosen.
    var currencies = JSON.parse(document.getElementById("client-currencies").textContent);
    var client = form.querySelector("[name=client]");
    var blank = form.querySelector("[name=currency] option[value='']");
    var syncCurrency = function () {
      var code = currencies[client.value];
      if (blank) blank.textContent = code ? "Client's currency (" + code + ")" : "Client's currency";
    };
    client.addEventListener("change", syncCurrency);
    syncCurrency();
  }

  // --- Time: a running timer kept in localStorage, per engagement ------------------------
  var timer = document.querySelector("[data-timer]");
  if (timer) {
    var key = timer.dataset.timerKey;
    var face = timer.querySelector("[data-timer-face]");
    var start = timer.querySelector("[data-timer-start]");
    var stop = timer.querySelector("[data-timer-stop]");
    var reset = timer.querySelector("[data-timer-reset]");
    var minutesInput = document.querySelector("[data-time-form] [name=minutes]");
    var tick = null;
    var read = function () {
      try { return JSON.parse(window.localStorage.getItem(key)) || null; } catch (e) { return null; }
    };
    var write = function (state) {
      try {
        if (state) window.localStorage.setItem(key, JSON.stringify(state));
        else window.localStorage.removeItem(key);
      } catch (e) { /* storage disabled: the timer still runs while the page is open */ }
    };
    var state = read();
    var elapsed = function () {
      if (!state) return 0;
      return (state.accumulated || 0) + (state.startedAt ? Date.now() - state.startedAt : 0);
    };
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    var render = function () {
      var seconds = Math.floor(elapsed() / 1000);
      face.textContent = Math.floor(seconds / 3600) + ":" + pad(Math.floor(seconds / 60) % 60) + ":" + pad(seconds % 60);
      var running = !!(state && state.startedAt);
      timer.classList.toggle("is-running", running);
      start.hidden = running;
      stop.hidden = !running;
      reset.hidden = !state;
      start.lastChild.textContent = state && !running ? " Resume" : " Start timer";
    };
    var run = function () {
      if (tick) window.clearInterval(tick);
      tick = state && state.startedAt ? window.setInterval(render, 1000) : null;
      render();
    };
    start.addEventListener("click", function () {
      state = { accumulated: state ? state.accumulated || 0 : 0, startedAt: Date.now() };
      write(state);
      run();
    });
    stop.addEventListener("click", function () {
      var total = elapsed();
      state = { accumulated: total, startedAt: null };
      write(state);
      run();
      if (minutesInput) {
        minutesInput.value = Math.max(1, Math.ceil(total / 60000));
        minutesInput.dispatchEvent(new Event("input"));  // the duration read-back
        var description = document.querySelector("[data-time-form] [name=description]");
        (description || minutesInput).focus();
      }
    });
    reset.addEventListener("click", function () {
      state = null;
      write(null);
      run();
    });
    // Logging the time clears a stopped timer, so the next task starts from zero.
    var timeForm = document.querySelector("[data-time-form]");
    if (timeForm) {
      timeForm.addEventListener("submit", function () {
        if (state && !state.startedAt) write(null);
      });
    }
    window.addEventListener("storage", function (event) {
      if (event.key === key) { state = read(); run(); }
    });
    timer.hidden = false;
    run();
  }
})();

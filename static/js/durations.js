// Durations as people type them, read back next to the field while they type.
// The server parses for real (engagements/durations.py); this mirrors it so "1:30" shows
// "1 h 30 min" before saving and "1:75" says what is wrong at once. The two are run over
// the same cases in tests/engagements/test_durations.py, so keep them in step.
(function () {
  "use strict";

  var MIN = 1;
  var MAX = 24 * 60;
  var EXAMPLES = "1:30, 1h30, 1.5h or 90 (minutes)";
  var HOURS = "(?:h|hr|hrs|hour|hours)";
  var MINUTES = "(?:m|min|mins|minute|minutes)";
  var NUMBER = "\\d+(?:[.,]\\d+)?";
  var BARE = /^\d+$/;
  var CLOCK = /^(\d+):(\d+)$/;
  var NUMBER_ONLY = new RegExp("^" + NUMBER + "$");
  var MINUTES_ONLY = new RegExp("^(" + NUMBER + ")\\s*" + MINUTES + "$");
  var HOURS_MINUTES = new RegExp("^(" + NUMBER + ")\\s*" + HOURS + "(?:\\s*(" + NUMBER + ")\\s*" + MINUTES + "?)?$");

  function DurationError(message) { this.message = message; }

  // Decimal arithmetic in hundredths of a minute would be exact for what people type;
  // a number with more than a few decimals is rounded away by toFixed, as the server's
  // Decimal would not be: such input is refused by both as "not whole minutes" anyway.
  function number(text) { return parseFloat(text.replace(",", ".")); }
  function isWhole(value) { return Math.abs(value - Math.round(value)) < 1e-9; }

  function wholeMinutes(text) {
    var value = number(text);
    if (!isWhole(value)) throw new DurationError("Give whole minutes (a timesheet has no fractions of a minute).");
    return Math.round(value);
  }

  function bounded(minutes) {
    if (minutes < MIN) throw new DurationError("A duration is at least 1 minute.");
    if (minutes > MAX) throw new DurationError("A duration is at most 24 hours; log longer work as several days.");
    return minutes;
  }

  function parse(text) {
    var cleaned = text.trim().toLowerCase().split(/\s+/).join(" ");
    var match;
    if (!cleaned) throw new DurationError("Give the time worked, for example " + EXAMPLES + ".");
    if (cleaned.charAt(0) === "-") throw new DurationError("A duration cannot be negative.");
    if (BARE.test(cleaned)) return bounded(parseInt(cleaned, 10));
    if ((match = CLOCK.exec(cleaned))) {
      var h = match[1], m = match[2];
      if (m.length !== 2) {
        throw new DurationError("Write the minutes after the colon with two digits: " + h + ":0" + m + " or " + h + ":" + m + "0.");
      }
      if (parseInt(m, 10) > 59) {
        throw new DurationError("\u201c" + cleaned + "\u201d has " + m + " minutes after the colon; write up to 59 there (for example 2:15).");
      }
      return bounded(parseInt(h, 10) * 60 + parseInt(m, 10));
    }
    if ((match = MINUTES_ONLY.exec(cleaned))) return bounded(wholeMinutes(match[1]));
    if ((match = HOURS_MINUTES.exec(cleaned))) {
      var hours = number(match[1]);
      if (match[2] === undefined) {
        var total = hours * 60;
        if (!isWhole(total)) {
          throw new DurationError(match[1] + " h is not a whole number of minutes; write it as hours and minutes (for example 1h20).");
        }
        return bounded(Math.round(total));
      }
      if (!isWhole(hours)) throw new DurationError("Write either decimal hours (1.5h) or hours and minutes (1h30).");
      var minutes = wholeMinutes(match[2]);
      if (minutes > 59) {
        throw new DurationError("\u201c" + cleaned + "\u201d has " + minutes + " minutes after the hours; write up to 59 there (for example 2h15).");
      }
      return bounded(Math.round(hours) * 60 + minutes);
    }
    if (NUMBER_ONLY.test(cleaned)) {
      throw new DurationError("Is \u201c" + cleaned + "\u201d hours or minutes? Add the unit: " + cleaned + "h or " + cleaned + "m.");
    }
    throw new DurationError("\u201c" + text.trim() + "\u201d is not a duration; write it like " + EXAMPLES + ".");
  }

  function describe(minutes) {
    var hours = Math.floor(minutes / 60), rest = minutes % 60;
    if (!hours) return rest + " min";
    return rest ? hours + " h " + rest + " min" : hours + " h";
  }

  // For the tests: the same cases through both parsers. Returns minutes or {error}.
  window.portfolioDurations = {
    parse: function (text) {
      try { return parse(text); } catch (e) {
        if (e instanceof DurationError) return { error: e.message };
        throw e;
      }
    },
    describe: describe,
  };

  // Every [data-duration] input gets a live read-back under it.
  document.querySelectorAll("input[data-duration]").forEach(function (input) {
    // A span, not an <output>: that has the role "status", which the page's messages use.
    var out = document.createElement("span");
    out.className = "duration-readback";
    out.setAttribute("aria-live", "polite");
    out.id = input.id + "_readback";
    input.insertAdjacentElement("afterend", out);
    var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    described.push(out.id);
    input.setAttribute("aria-describedby", described.join(" "));
    var show = function () {
      out.classList.remove("is-error");
      if (!input.value.trim()) { out.textContent = ""; return; }
      var result = window.portfolioDurations.parse(input.value);
      if (typeof result === "number") {
        out.textContent = "= " + describe(result);
      } else {
        out.textContent = result.error;
        out.classList.add("is-error");
      }
    };
    input.addEventListener("input", show);
    show();
  });
})();

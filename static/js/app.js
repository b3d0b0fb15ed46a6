// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // Dropdown menus are <details>: close them on outside click and on Escape.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      menu.removeAttribute("open");
      var summary = menu.querySelector("summary");
      if (summary) summary.focus();
    });
  });
  // Flash messages can be dismissed.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-dismiss]");
    if (button) button.parentElement.remove();
  });
  // Buttons that ask first: <button data-confirm="Really?">.
  document.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    var message = (submitter && submitter.dataset.confirm) || event.target.dataset.confirm;
    if (message && !window.confirm(message)) event.preventDefault();
  });
  // Copy buttons: <button data-copy-target="input-id" data-copy-done="Copied message">,
  // with a <span data-copy-label> inside and a #copy-status live region beside it.
  // Falls back to selecting the text (and execCommand) where the Clipboard API is missing.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button) return;
    var input = document.getElementById(button.dataset.copyTarget);
    var label = button.querySelector("[data-copy-label]");
    var status = document.getElementById("copy-status");
    input.select();
    var done = function () {
      if (label) label.textContent = "Copied";
      if (status) status.textContent = button.dataset.copyDone || "Copied to the clipboard.";
      setTimeout(function () { if (label) label.textContent = "Copy"; }, 2000);
    };
    var fallback = function () { document.execCommand("copy"); done(); };
    if (navigator.clipboard) navigator.clipboard.writeText(input.value).then(done, fallback);
    else fallback();
  });
})();

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
  // Tables on a phone: a table wider than its scroll box would hide columns (amount due,
  // status…) off to the right. Below 640 px such a table is "stacked": each row becomes a
  // small card whose cells carry their column's name (data-label, copied from the header
  // here; CSS shows it). Tables that fit stay tables; without this file they scroll.
  var phone = window.matchMedia("(max-width: 640px)");
  var tables = document.querySelectorAll(".table-wrap > table");
  var label = function (table) {
    var heads = [];
    var headRow = table.querySelector("thead tr:last-child");
    if (!headRow) return false;
    Array.prototype.forEach.call(headRow.children, function (th) {
      var text = th.classList.contains("actions") ? "" : th.textContent.trim().replace(/\s+/g, " ");
      for (var i = 0; i < (th.colSpan || 1); i++) heads.push(i ? "" : text);
    });
    table.setAttribute("role", "table");
    table.querySelectorAll("tr").forEach(function (tr) {
      tr.setAttribute("role", "row");
      var column = 0;
      Array.prototype.forEach.call(tr.children, function (cell) {
        var inHead = cell.parentElement.parentElement.tagName === "THEAD";
        cell.setAttribute("role", inHead ? "columnheader" : cell.tagName === "TH" ? "rowheader" : "cell");
        if (!inHead && !cell.hasAttribute("data-label")) cell.setAttribute("data-label", heads[column] || "");
        column += cell.colSpan || 1;
      });
    });
    return true;
  };
  var fit = function (table) {
    var wrap = table.parentElement;
    table.classList.remove("is-stacked");
    if (phone.matches && wrap.scrollWidth > wrap.clientWidth + 1) table.classList.add("is-stacked");
  };
  var labelled = Array.prototype.filter.call(tables, label);
  labelled.forEach(fit);
  if (window.ResizeObserver && labelled.length) {
    var widths = new WeakMap();
    var observer = new ResizeObserver(function (entries) {
      entries.forEach(function (entry) {
        var width = Math.round(entry.contentRect.width);
        if (widths.get(entry.target) === width) return;  // only the height changed
        widths.set(entry.target, width);
        fit(entry.target.firstElementChild);
      });
    });
    labelled.forEach(function (table) { observer.observe(table.parentElement); });
  }
  // A new workspace's time zone: the browser's, where the list has it, instead of UTC.
  document.querySelectorAll("select[data-browser-timezone]").forEach(function (select) {
    var zone;
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
    if (zone && select.querySelector('option[value="' + zone.replace(/"/g, "") + '"]')) select.value = zone;
  });
})();

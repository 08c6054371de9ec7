/* Keyboard and small live touches of the ops UI. Links, buttons and forms stay native (the pages work without JS).
   "/" focuses the search box, Escape leaves it; in tables with rows: j / k move, Enter opens, x selects.
   Elements with data-deadline count down; "select all" boxes select the rows of their table. */
(function () {
  "use strict";
  function isTyping(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("tr[data-row]")); }
  var focused = -1;
  function focusRow(index) {
    var all = rows();
    if (!all.length) return;
    focused = Math.max(0, Math.min(all.length - 1, index));
    all.forEach(function (row, i) { row.classList.toggle("is-focused", i === focused); });
    all[focused].scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "/" && !isTyping(event.target)) {
      var box = document.querySelector("[data-search]") || document.querySelector("form[role=search] input");
      if (box) {
        event.preventDefault();
        box.focus();
        if (box.select) box.select();
      }
    } else if (event.key === "Escape" && isTyping(event.target)) {
      event.target.blur();
    } else if (!isTyping(event.target) && (event.key === "j" || event.key === "k")) {
      focusRow(focused + (event.key === "j" ? 1 : -1));
    } else if (!isTyping(event.target) && focused >= 0 && rows()[focused]) {
      var row = rows()[focused];
      if (event.key === "Enter") {
        var link = row.querySelector("[data-row-link]") || row.querySelector("a");
        if (link) { event.preventDefault(); link.click(); }
      } else if (event.key === "x") {
        var box = row.querySelector("input[type=checkbox][name=ids]");
        if (box) { box.checked = !box.checked; updateCount(); }
      }
    }
  });

  function updateCount() {
    var n = document.querySelectorAll("input[type=checkbox][name=ids]:checked").length;
    document.querySelectorAll("[data-selected-count]").forEach(function (el) { el.textContent = n; });
  }
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("[data-select-all]")) {
      var table = target.closest("table");
      (table || document).querySelectorAll("input[type=checkbox][name=ids]").forEach(function (box) { box.checked = target.checked; });
    }
    if (target.matches && target.matches("input[type=checkbox]")) updateCount();
  });
  document.addEventListener("htmx:afterSwap", function () { focused = -1; updateCount(); });

  function span(seconds) {
    var s = Math.abs(Math.round(seconds)), m = Math.floor(s / 60);
    if (m >= 2880) return Math.floor(m / 1440) + " d";
    if (m >= 60) return Math.floor(m / 60) + " h " + String(m % 60).padStart(2, "0") + " min";
    if (m >= 1) return m + " min";
    return s + " s";
  }
  function tick() {
    document.querySelectorAll("[data-deadline]").forEach(function (el) {
      var left = (Date.parse(el.getAttribute("data-deadline")) - Date.now()) / 1000;
      if (isNaN(left)) return;
      if (el.closest("[data-testid=intervention-window]") || el.closest("[data-approval]")) {
        el.textContent = left > 0 ? Math.floor(left / 60) + ":" + String(Math.floor(left % 60)).padStart(2, "0") + (el.closest("[data-approval]") ? " left" : "") : "now";
      } else {
        el.textContent = left > 0 ? "escalates in " + span(left) : "overdue by " + span(left);
      }
    });
  }
  setInterval(tick, 1000);
})();

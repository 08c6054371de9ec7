/* Keyboard shortcuts of the ops UI: "/" focuses the search box, Escape leaves it. Links and buttons stay native. */
(function () {
  "use strict";
  function isTyping(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }
  document.addEventListener("keydown", function (event) {
    if (event.key === "/" && !isTyping(event.target) && !event.ctrlKey && !event.metaKey && !event.altKey) {
      var box = document.querySelector("[data-search]") || document.querySelector("form[role=search] input");
      if (box) {
        event.preventDefault();
        box.focus();
        if (box.select) box.select();
      }
    } else if (event.key === "Escape" && isTyping(event.target)) {
      event.target.blur();
    }
  });
})();

// The table's tools keep the keyboard where the user is: after a page load that a tool caused
// (sorting, filters, a chip removed, columns saved, a panel opened) the address's fragment names
// the control acted on, and focus goes back to it. Escape or a click outside closes an open
// Filter, Columns or Export panel. A table wider than its frame says so.
(function () {
  "use strict";
  var panels = document.querySelectorAll("details.tool-panel");

  function focusable(element) {
    if (element.tagName === "DETAILS") return element.querySelector("summary");
    if (element.matches("a[href], button, input, select, textarea, summary")) return element;
    return element.querySelector("a[href], button:not([tabindex='-1']), input:not([type=hidden]), select, summary");
  }

  // The fragment's element, or the Filter button when a removed chip was the last one.
  var target = location.hash.length > 1 && document.getElementById(decodeURIComponent(location.hash.slice(1)));
  if (location.hash && !target && /^#filter-/.test(location.hash)) target = document.getElementById("filter-panel");
  // Nothing was selected for a bulk action: back to the selection bar that says so.
  if (document.getElementById("bulk-problem")) target = document.getElementById("bulk-form");
  if (target) {
    // A filter that needs fixing gets the focus first.
    var invalid = target.open && target.querySelector("[aria-invalid=true]");
    var control = invalid || focusable(target);
    if (control) control.focus({ preventScroll: false });
  }

  function close(panel) {
    panel.open = false;
    panel.querySelector("summary").focus();
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var panel = event.target.closest && event.target.closest("details.tool-panel[open]");
    if (panel) close(panel);
  });
  document.addEventListener("click", function (event) {
    if (!event.target.isConnected) return;  // a filter row's × removed itself: that click was inside
    Array.prototype.forEach.call(panels, function (panel) {
      if (panel.open && !panel.contains(event.target)) panel.open = false;
    });
  });

  var frame = document.querySelector(".table-wrap");
  var cue = document.getElementById("scroll-cue");
  if (!frame || !cue) return;
  function measure() {
    var more = frame.scrollWidth > frame.clientWidth + 1 && getComputedStyle(frame).overflowX !== "visible";
    frame.classList.toggle("has-more", more);
    cue.hidden = !more;
  }
  measure();
  window.addEventListener("resize", measure);
})();

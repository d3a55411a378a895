// The table's tools keep the keyboard where the user is. After a page load that a tool caused
// (sorting, filters, a chip removed, columns saved, a panel opened) the address's fragment names
// the control acted on, and the browser focuses it, with or without this script. This script
// adds: a filter to fix gets the focus, and so does the selection bar that says nothing was
// selected; Escape or a click outside closes an open Filter, Columns or Export panel; a table
// wider than its frame says so; on a phone each row becomes a card with the column labels; the
// selection bar counts what is ticked.
(function () {
  "use strict";

  // After the browser's own focusing of the fragment, which happens as the page finishes loading.
  window.addEventListener("load", function () {
    setTimeout(function () {
      var problem = document.querySelector(".filter-panel[open] [aria-invalid=true]") ||
        (document.getElementById("bulk-problem") && document.querySelector("#bulk-form input[name=all]"));
      if (problem) problem.focus();
    }, 0);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var panel = event.target.closest && event.target.closest("details.tool-panel[open]");
    if (!panel) return;
    panel.open = false;
    panel.querySelector("summary").focus();
  });
  document.addEventListener("click", function (event) {
    if (!event.target.isConnected) return;  // a filter row's × removed itself: that click was inside
    // Looked up at each click: Columns and Export come in later (tool-panels.js).
    Array.prototype.forEach.call(document.querySelectorAll("details.tool-panel"), function (panel) {
      if (panel.open && !panel.contains(event.target)) panel.open = false;
    });
  });

  // The selection bar: how many rows are ticked, said as they are ticked; a select-all for the
  // page (without this script its link reloads the page with the page's rows ticked); and
  // "Nothing is selected" leaves once something is.
  var bulk = document.getElementById("bulk-form");
  if (bulk) {
    var boxes = document.querySelectorAll("input[name=c][form=bulk-form]");
    var matching = document.getElementById("select-matching");
    var count = document.getElementById("bulk-count");
    var selectPage = document.getElementById("select-page");
    var tally = function () {
      var ticked = Array.prototype.filter.call(boxes, function (box) { return box.checked; }).length;
      var problem = document.getElementById("bulk-problem");
      if (matching.checked) count.textContent = "All " + matching.getAttribute("data-total") + " matching selected";
      else count.textContent = ticked ? ticked + " selected" : "Nothing is selected yet";
      if (problem && (ticked || matching.checked)) problem.remove();
      selectPage.textContent = ticked && ticked === boxes.length ? "Clear this page" : "Select all on this page";
    };
    document.addEventListener("change", function (event) {
      if (event.target === matching || (event.target.name === "c" && event.target.form === bulk)) tally();
    });
    selectPage.addEventListener("click", function (event) {
      event.preventDefault();
      var all = Array.prototype.every.call(boxes, function (box) { return box.checked; });
      Array.prototype.forEach.call(boxes, function (box) { box.checked = !all; });
      tally();
    });
    if (boxes.length) tally();
  }

  var frame = document.querySelector(".table-wrap");
  var cue = document.getElementById("scroll-cue");
  if (!frame || !cue) return;
  // The labels come from the header, once per page, rather than from the server in every cell
  // (the table page's bytes and time); without this script a phone scrolls the table in its frame.
  var grid = frame.querySelector(".grid");
  var labels = Array.prototype.map.call(grid.tHead.rows[0].cells, function (cell) {
    return cell.textContent.replace(/[\u25b2\u25bc]/g, "").trim();
  });
  Array.prototype.forEach.call(grid.tBodies[0].rows, function (row) {
    Array.prototype.forEach.call(row.cells, function (cell, index) { cell.setAttribute("data-label", labels[index]); });
  });
  frame.classList.add("cards");
  function measure() {
    var more = frame.scrollWidth > frame.clientWidth + 1 && getComputedStyle(frame).overflowX !== "visible";
    frame.classList.toggle("has-more", more);
    cue.hidden = !more;
  }
  measure();
  window.addEventListener("resize", measure);
})();

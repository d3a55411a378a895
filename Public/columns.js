// The column picker in place: drag a column (or use its arrows) to reorder, Select all and Reset
// to default, all without a round trip; only Apply saves. Without this script those are submit
// buttons whose answer is the picker's draft (still unsaved). `initColumnPicker` also serves a
// picker that tool-panels.js brings in.
(function () {
  "use strict";
  window.initColumnPicker = function (form) {
  var list = form.querySelector(".column-list");
  var dragged = null;

  function refresh() {
    var items = list.querySelectorAll(".column-item");
    items.forEach(function (item, index) {
      item.querySelector(".move-up").disabled = index === 0;
      item.querySelector(".move-down").disabled = index === items.length - 1;
    });
  }

  list.querySelectorAll(".column-item").forEach(function (item) { item.draggable = true; });

  list.addEventListener("dragstart", function (event) {
    dragged = event.target.closest(".column-item");
    if (!dragged) return;
    dragged.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged.getAttribute("data-key"));
  });
  list.addEventListener("dragover", function (event) {
    var over = event.target.closest(".column-item");
    if (!dragged || !over || over === dragged) return;
    event.preventDefault();
    var box = over.getBoundingClientRect();
    list.insertBefore(dragged, event.clientY < box.top + box.height / 2 ? over : over.nextSibling);
  });
  list.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    refresh();
  });

  function items() { return Array.prototype.slice.call(list.querySelectorAll(".column-item")); }

  form.addEventListener("click", function (event) {
    var whole = event.target.closest("button[value=all], button[value=reset]");
    if (whole) {
      event.preventDefault();
      if (whole.value === "all") {
        form.querySelectorAll("input[name=show]").forEach(function (box) { box.checked = true; });
      } else {
        var order = form.getAttribute("data-standard-order").split(",");
        var shown = form.getAttribute("data-standard-shown").split(",");
        items().sort(function (a, b) { return order.indexOf(a.getAttribute("data-key")) - order.indexOf(b.getAttribute("data-key")); })
          .forEach(function (item) {
            list.append(item);
            item.querySelector("input[name=show]").checked = shown.indexOf(item.getAttribute("data-key")) >= 0;
          });
      }
      refresh();
      return;
    }
    var button = event.target.closest("button.move-up, button.move-down");
    if (!button) return;
    event.preventDefault();
    var item = button.closest(".column-item");
    if (button.classList.contains("move-up") && item.previousElementSibling) {
      list.insertBefore(item, item.previousElementSibling);
    } else if (button.classList.contains("move-down") && item.nextElementSibling) {
      list.insertBefore(item.nextElementSibling, item);
    }
    refresh();
    (button.disabled ? item.querySelector("input[type=checkbox]") : button).focus();
  });

  // At least one column must stay: say so before the round trip.
  form.addEventListener("submit", function (event) {
    var action = event.submitter && event.submitter.value;
    if ((action === "apply" || !action) && !form.querySelector("input[name=show]:checked")) {
      event.preventDefault();
      var message = form.querySelector(".column-problem") || document.createElement("p");
      message.className = "notice error column-problem";
      message.setAttribute("role", "alert");
      message.textContent = "Keep at least one column besides Action.";
      list.before(message);
    }
  });
  };
  var form = document.getElementById("column-form");
  if (form) window.initColumnPicker(form);
})();

// The filter builder without round trips: rows are added and removed in place, the condition
// list follows the chosen column, and enumerations offer their values. Without this script the
// same form works through the server.
(function () {
  "use strict";
  var form = document.getElementById("filter-form");
  var template = document.getElementById("filter-row-template");
  if (!form || !template) return;
  var list = form.querySelector(".filter-rows");
  var added = 0;

  function selected(select) { return select.options[select.selectedIndex]; }

  function renumber() {
    var rows = list.querySelectorAll(".filter-row");
    rows.forEach(function (row, index) {
      row.querySelector(".filter-number").textContent = String(index + 1);
      var remove = row.querySelector(".filter-remove");
      remove.value = String(index);
      remove.setAttribute("aria-label", "Remove filter " + (index + 1));
    });
  }

  // Offers only the conditions that apply to the column, and a drop-down of allowed values
  // for Is / Is not on an enumeration.
  function sync(row) {
    var column = selected(row.querySelector(".filter-column"));
    var condition = row.querySelector(".filter-condition");
    var allowed = (column.getAttribute("data-conditions") || "").split(" ");
    Array.prototype.forEach.call(condition.options, function (option) {
      option.hidden = option.disabled = allowed.indexOf(option.value) < 0;
    });
    if (selected(condition).disabled) condition.value = allowed[0];
    var wrap = row.querySelector(".filter-value");
    var noValue = selected(condition).hasAttribute("data-no-value");
    wrap.hidden = noValue;
    var current = wrap.querySelector("[name=v]");
    var choices = (column.getAttribute("data-choices") || "").split("\n").filter(Boolean);
    var wantsChoices = choices.length > 0 && (condition.value === "is" || condition.value === "is_not");
    var hasChoices = current.tagName === "SELECT";
    if (wantsChoices !== hasChoices) {
      var replacement;
      if (wantsChoices) {
        replacement = document.createElement("select");
        choices.forEach(function (choice) {
          var option = document.createElement("option");
          option.textContent = choice;
          if (choice.toLowerCase() === current.value.trim().toLowerCase()) option.selected = true;
          replacement.appendChild(option);
        });
      } else {
        replacement = document.createElement("input");
        replacement.type = "text";
        replacement.maxLength = 200;
        replacement.autocomplete = "off";
        replacement.value = "";
      }
      replacement.id = current.id;
      replacement.name = "v";
      current.replaceWith(replacement);
    }
    if (noValue) wrap.querySelector("[name=v]").value = "";
  }

  function addRow() {
    var fragment = template.content.cloneNode(true);
    var row = fragment.querySelector(".filter-row");
    var suffix = "js" + (++added);
    row.querySelectorAll("[id]").forEach(function (element) { element.id = element.id.replace("new", suffix); });
    row.querySelectorAll("label[for]").forEach(function (label) { label.htmlFor = label.htmlFor.replace("new", suffix); });
    list.appendChild(fragment);
    sync(row);
    renumber();
    row.querySelector(".filter-column").focus();
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button) return;
    if (button.name === "add") {
      event.preventDefault();
      addRow();
    } else if (button.name === "remove") {
      event.preventDefault();
      var row = button.closest(".filter-row");
      var next = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      renumber();
      (next ? next.querySelector(".filter-column") : form.querySelector(".filter-add")).focus();
    }
  });

  form.addEventListener("change", function (event) {
    var row = event.target.closest(".filter-row");
    if (row && (event.target.classList.contains("filter-column") || event.target.classList.contains("filter-condition"))) sync(row);
  });

  list.querySelectorAll(".filter-row").forEach(sync);
})();

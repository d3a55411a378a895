// The filter builder without round trips: rows are added and removed in place, the condition
// list follows the chosen column, and enumerations offer their values. Without this script the
// same form works through the server.
(function () {
  "use strict";
  var form = document.getElementById("filter-form");
  if (!form) return;
  var list = form.querySelector(".filter-rows");
  var added = 0;
  var catalog = null;  // the columns and conditions, fetched once (cached for good) when a row is added

  function withCatalog(then) {
    if (catalog) return then();
    fetch(form.getAttribute("data-catalog"), { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) { catalog = data; then(); });
  }

  function element(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    (children || []).forEach(function (child) { node.append(child); });
    return node;
  }

  function field(label, id, control, extraClass) {
    return element("span", { "class": "filter-field" + (extraClass ? " " + extraClass : "") },
                   [element("label", { "for": id }, [label]), control]);
  }

  // The same markup the server writes for a row, from the catalog.
  function newRow() {
    var suffix = "js" + (++added);
    var column = element("select", { id: "f-" + suffix, name: "f", "class": "filter-column" });
    catalog.columns.forEach(function (entry) {
      var option = element("option", { value: entry.key }, [entry.label]);
      if (entry.ordered) option.setAttribute("data-ordered", "");
      if (entry.date) option.setAttribute("data-date", "");
      if (entry.choices) option.setAttribute("data-choices", entry.choices.join("\n"));
      column.append(option);
    });
    column.value = "name";
    var condition = element("select", { id: "op-" + suffix, name: "op", "class": "filter-condition" });
    catalog.conditions.forEach(function (entry) {
      var option = element("option", { value: entry.key }, [entry.label]);
      if (entry.ordering) option.setAttribute("data-ordering", "");
      if (entry.dateOnly) option.setAttribute("data-date-only", "");
      if (entry.day) option.setAttribute("data-day", "");
      if (entry.noValue) option.setAttribute("data-no-value", "");
      condition.append(option);
    });
    var value = element("input", { id: "v-" + suffix, name: "v", type: "text", maxlength: "200", autocomplete: "off" });
    var group = element("select", { id: "g-" + suffix, name: "g" });
    catalog.groups.forEach(function (label, index) { group.append(element("option", { value: String(index) }, [label])); });
    var remove = element("button", { type: "submit", name: "remove", "class": "filter-remove", title: "Remove this filter" }, ["×"]);
    return element("li", { "class": "filter-row" }, [
      element("span", { "class": "filter-number", "aria-hidden": "true" }),
      field("Filter", column.id, column), field("Condition", condition.id, condition),
      field("Value", value.id, value, "filter-value"), field("Group", group.id, group, "filter-group"), remove]);
  }

  function selected(select) { return select.options[select.selectedIndex]; }

  function renumber() {
    list.querySelectorAll(".filter-row").forEach(function (row, index) {
      row.querySelector(".filter-number").textContent = String(index + 1);
      var remove = row.querySelector(".filter-remove");
      remove.value = String(index);
      remove.setAttribute("aria-label", "Remove filter " + (index + 1));
    });
    var none = form.querySelector(".filter-none");
    if (none) none.hidden = list.children.length > 0;
  }

  // Offers only the conditions that apply to the column, and a drop-down of allowed values
  // for Is / Is not on an enumeration.
  function sync(row) {
    var column = selected(row.querySelector(".filter-column"));
    var condition = row.querySelector(".filter-condition");
    var ordered = column.hasAttribute("data-ordered");
    var date = column.hasAttribute("data-date");
    Array.prototype.forEach.call(condition.options, function (option) {
      option.hidden = option.disabled = (option.hasAttribute("data-ordering") && !ordered) || (option.hasAttribute("data-date-only") && !date);
    });
    if (selected(condition).disabled) condition.selectedIndex = 0;
    var wrap = row.querySelector(".filter-value");
    var noValue = selected(condition).hasAttribute("data-no-value");
    wrap.hidden = noValue;
    var current = wrap.querySelector("[name=v]");
    var choices = (column.getAttribute("data-choices") || "").split("\n").filter(Boolean);
    var wantsChoices = choices.length > 0 && (condition.value === "is" || condition.value === "is_not");
    if (wantsChoices !== (current.tagName === "SELECT")) {
      var replacement;
      if (wantsChoices) {
        replacement = element("select");
        choices.forEach(function (choice) {
          var option = element("option", {}, [choice]);
          if (choice.toLowerCase() === current.value.trim().toLowerCase()) option.selected = true;
          replacement.append(option);
        });
      } else {
        replacement = element("input", { type: "text", maxlength: "200", autocomplete: "off" });
      }
      replacement.id = current.id;
      replacement.name = "v";
      current.replaceWith(replacement);
    }
    // A day (Is, Greater than, ... on a date) is picked in a date field; other conditions read text.
    var input = wrap.querySelector("input[name=v]");
    var type = column.hasAttribute("data-date") && selected(condition).hasAttribute("data-day") ? "date" : "text";
    if (input && input.type !== type) input.type = type;
    if (noValue) wrap.querySelector("[name=v]").value = "";
  }

  function addRow() {
    var row = newRow();
    list.append(row);
    sync(row);
    renumber();
    row.querySelector(".filter-column").focus();
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button) return;
    if (button.name === "add") {
      event.preventDefault();
      withCatalog(addRow);
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

  // Opening an empty builder starts with one row to fill in.
  var panel = form.closest("details");
  panel.addEventListener("toggle", function () {
    if (panel.open && !list.children.length) withCatalog(addRow);
  });

  list.querySelectorAll(".filter-row").forEach(sync);
  renumber();
})();

// The header's search box as a combobox (ARIA 1.2, list autocomplete): typing asks
// /search/suggest (debounced) and shows a few results per group and "All results"; arrows move,
// Enter opens, Escape closes. Without this script the form opens the /search results page.
(function () {
  "use strict";
  var input = document.getElementById("site-search-q");
  if (!input || !window.fetch) return;
  var form = input.form;
  var list = document.createElement("ul");
  list.id = "site-search-list";
  list.className = "search-list";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", "Search results");
  list.hidden = true;
  form.appendChild(list);
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", list.id);
  var status = document.createElement("span");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  form.appendChild(status);

  var timer = null, asked = "", active = -1, options = [];

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function select(index) {
    if (options[active]) options[active].setAttribute("aria-selected", "false");
    active = index;
    if (options[active]) {
      options[active].setAttribute("aria-selected", "true");
      input.setAttribute("aria-activedescendant", options[active].id);
      options[active].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function option(label, detail, url) {
    var li = document.createElement("li");
    li.id = "site-search-option-" + options.length;
    li.setAttribute("role", "option");
    li.setAttribute("aria-selected", "false");
    li.dataset.url = url;
    var name = document.createElement("span");
    name.textContent = label;
    li.appendChild(name);
    if (detail) {
      var hint = document.createElement("span");
      hint.className = "hint";
      hint.textContent = " " + detail;
      li.appendChild(hint);
    }
    li.addEventListener("mousedown", function (event) { event.preventDefault(); window.location.href = url; });
    options.push(li);
    return li;
  }

  function show(answer) {
    list.textContent = "";
    options = [];
    var count = 0;
    answer.groups.forEach(function (group, index) {
      if (!group.items.length) return;
      var box = document.createElement("li");
      box.setAttribute("role", "presentation");
      var inner = document.createElement("ul");
      inner.setAttribute("role", "group");
      inner.setAttribute("aria-labelledby", "site-search-group-" + index);
      var heading = document.createElement("li");
      heading.id = "site-search-group-" + index;
      heading.setAttribute("role", "presentation");
      heading.className = "search-list-group";
      heading.textContent = group.label;
      inner.appendChild(heading);
      group.items.forEach(function (item) { inner.appendChild(option(item.label, item.detail, item.url)); count++; });
      box.appendChild(inner);
      list.appendChild(box);
    });
    list.appendChild(option(count ? "All results for “" + input.value.trim() + "”" : "Nothing found: open the results page", "", answer.all));
    status.textContent = count + (count === 1 ? " result" : " results") + ", arrows to choose";
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    active = -1;
  }

  function ask() {
    var text = input.value.trim();
    if (!text) { close(); return; }
    if (text === asked && !list.hidden) return;
    asked = text;
    fetch("/search/suggest?q=" + encodeURIComponent(text), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (answer) { if (answer && asked === text && input.value.trim() === text) show(answer); })
      .catch(function () { close(); });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 200);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown") {
      event.preventDefault();
      if (list.hidden) { asked = ""; ask(); return; }
      select(active + 1 < options.length ? active + 1 : 0);
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      if (!list.hidden) select(active > 0 ? active - 1 : options.length - 1);
    } else if (event.key === "Enter") {
      if (!list.hidden && options[active]) {
        event.preventDefault();
        window.location.href = options[active].dataset.url;
      }
    } else if (event.key === "Escape") {
      if (!list.hidden) { event.preventDefault(); close(); } else { input.value = ""; }
    }
  });
  input.addEventListener("blur", function () { setTimeout(close, 100); });
})();

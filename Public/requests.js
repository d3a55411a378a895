// The requests queue, improved: a header checkbox ticks the page, the bar counts what is ticked,
// and keyboard shortcuts (j/k move, x ticks, a approves, d denies) decide without the mouse. They are
// announced (a visible hint and a live status), can be turned off (remembered in this browser), and
// never fire while typing in a field. Without scripts the form works as it is.
(function () {
  "use strict";
  var form = document.getElementById("queue-form");
  var table = document.getElementById("queue-table");
  if (!form || !table || !document.getElementById("queue-bar")) return;
  var boxes = Array.prototype.slice.call(table.querySelectorAll("tbody input[name=m]"));
  var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr"));
  var pageBox = document.getElementById("queue-page");
  var allBox = document.getElementById("queue-all");
  var selection = document.getElementById("queue-selection");
  var status = document.getElementById("queue-status");
  var reason = document.getElementById("reason");
  var keys = document.getElementById("queue-keys");
  var keysOn = document.getElementById("queue-keys-on");
  var approve = form.querySelector(".queue-bar button[value=approve]");
  var deny = form.querySelector(".queue-bar button[value=deny]");
  var current = -1;

  function say(text) {
    // Emptied first, so the same words said twice are announced twice.
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 30);
  }

  function ticked() {
    return boxes.filter(function (box) { return box.checked; });
  }

  function update() {
    var count = ticked().length;
    if (pageBox) {
      pageBox.checked = count > 0 && count === boxes.length;
      pageBox.indeterminate = count > 0 && count < boxes.length;
    }
    if (allBox && allBox.checked) {
      selection.textContent = "Every request matching the filters is selected.";
    } else {
      selection.textContent = count === 0 ? "None selected." : count + " selected on this page.";
    }
  }

  if (pageBox) {
    pageBox.hidden = false;
    pageBox.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = pageBox.checked; });
      update();
      say(pageBox.checked ? boxes.length + " requests on this page ticked." : "Nothing ticked.");
    });
  }
  boxes.forEach(function (box) { box.addEventListener("change", update); });
  if (allBox) allBox.addEventListener("change", update);
  update();

  // Shortcuts: on unless turned off in this browser.
  var stored = null;
  try { stored = window.localStorage.getItem("queue-shortcuts"); } catch (e) { /* storage off: shortcuts stay on */ }
  keys.hidden = false;
  keysOn.checked = stored !== "off";
  keysOn.addEventListener("change", function () {
    try { window.localStorage.setItem("queue-shortcuts", keysOn.checked ? "on" : "off"); } catch (e) { /* not remembered */ }
    say(keysOn.checked ? "Keyboard shortcuts on." : "Keyboard shortcuts off.");
  });

  function describe(row) {
    var cells = row.querySelectorAll("td");
    var name = row.querySelector("strong");
    return (name ? name.textContent : "") + ", " + (cells[3] ? cells[3].textContent.trim() : "") + " (" + (cells[2] ? cells[2].textContent.trim() : "") + ")";
  }

  function move(to) {
    if (rows.length === 0) return;
    current = Math.max(0, Math.min(rows.length - 1, to));
    rows.forEach(function (row, index) { row.classList.toggle("current", index === current); });
    var row = rows[current];
    var box = row.querySelector("input[name=m]");
    (box || row).focus();
    row.scrollIntoView({block: "nearest"});
    say("Request " + (current + 1) + " of " + rows.length + ": " + describe(row) + (box && box.checked ? ", ticked" : "") + ".");
  }

  // The ticked requests, or else the current one (ticked so that the form sends it).
  function target() {
    if (ticked().length > 0 || (allBox && allBox.checked)) return true;
    var box = current >= 0 ? rows[current].querySelector("input[name=m]") : null;
    if (!box) { say("Move to a request with j first, or tick some with x."); return false; }
    box.checked = true;
    update();
    return true;
  }

  function typing(element) {
    if (!element) return false;
    if (element.isContentEditable || element.tagName === "TEXTAREA" || element.tagName === "SELECT") return true;
    return element.tagName === "INPUT" && !/^(checkbox|radio|button|submit|reset)$/.test(element.type);
  }

  function submit(button) {
    if (form.requestSubmit) form.requestSubmit(button); else button.click();
  }

  document.addEventListener("keydown", function (event) {
    if (!keysOn.checked || event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    switch (event.key) {
    case "j": move(current + 1); break;
    case "k": move(current < 0 ? 0 : current - 1); break;
    case "x": {
      if (current < 0) { say("Move to a request with j first."); break; }
      var box = rows[current].querySelector("input[name=m]");
      if (!box) break;
      box.checked = !box.checked;
      update();
      say((box.checked ? "Ticked " : "Unticked ") + describe(rows[current]) + ". " + selection.textContent);
      break;
    }
    case "a":
      if (target()) { say("Approving."); submit(approve); }
      break;
    case "d":
      if (!target()) break;
      if (reason.value.trim() === "") {
        reason.focus();
        say("Type the reason for the denial, then press Enter to deny.");
      } else {
        say("Denying.");
        submit(deny);
      }
      break;
    default: return;
    }
    event.preventDefault();
  });
})();

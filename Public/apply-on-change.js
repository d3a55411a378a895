// Drop-downs that choose what a page shows (rows per page, the organization) apply as soon as they
// change; their Show button is for browsers without scripts.
(function () {
  "use strict";
  document.querySelectorAll("form.apply-on-change").forEach(function (form) {
    form.querySelectorAll(".show-button").forEach(function (button) { button.hidden = true; });
    form.addEventListener("change", function (event) {
      if (event.target.tagName === "SELECT") form.requestSubmit();
    });
  });
})();

// Copy buttons: a button `.copy-button` with `data-copy` naming a field copies that field's value
// (an invite link, a search code, a new API token) and says "Copied". Without this script the
// buttons stay hidden and the field is plain read-only text to select and copy.
(function () {
  "use strict";
  function bind(root) {
    root.querySelectorAll(".copy-button").forEach(function (button) {
      var field = root.querySelector("#" + button.getAttribute("data-copy"));
      var label = button.textContent;
      button.hidden = false;
      button.addEventListener("click", function () {
        var done = function () {
          button.textContent = "Copied";
          setTimeout(function () { button.textContent = label; }, 2000);
        };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(field.value).then(done, function () { field.select(); });
        } else {
          field.select();
          document.execCommand("copy");
          done();
        }
      });
    });
    root.querySelectorAll(".copy-field").forEach(function (field) {
      field.addEventListener("focus", function () { field.select(); });
    });
  }
  window.bindCopyButtons = bind;
  bind(document);
})();

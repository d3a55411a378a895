// A form sent back with problems: the focus goes to its first field marked invalid (whose message
// its aria-describedby names), unless the address names a place to focus.
(function () {
  "use strict";
  if (window.location.hash) return;
  var field = document.querySelector("main [aria-invalid=true]");
  if (field) field.focus();
})();

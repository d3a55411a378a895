// The connection form shows the fields that depend on others only when they apply: the
// discount with Discounted charging, the domain list with approval by email domain.
(function () {
  "use strict";
  var approval = document.getElementById("approval");
  var discount = document.getElementById("benefit-discount");
  if (!approval) return;
  function sync() {
    document.querySelectorAll(".depends-on-domain").forEach(function (element) {
      element.hidden = approval.value !== "Automatically approve by email domain";
    });
    document.querySelectorAll(".depends-on-discount").forEach(function (element) {
      element.hidden = !(discount && discount.checked);
    });
  }
  approval.addEventListener("change", sync);
  if (discount) discount.addEventListener("change", sync);
  sync();
})();

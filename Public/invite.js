// Invite drivers: the QR code's Copy button, and on the connections table the invite page opened as a
// panel over the table (copy.js does the text Copy buttons). Without this script the invite page is
// a page, its fields plain read-only text to select and copy.
(function () {
  "use strict";

  // The text Copy buttons are copy.js's; this adds the QR code's.
  function bindCopyButtons(root) {
    if (root !== document) window.bindCopyButtons(root);
    // The QR code as a PNG image on the clipboard, where the browser allows writing images;
    // elsewhere the button stays hidden and Download is the way.
    if (!(navigator.clipboard && navigator.clipboard.write && window.ClipboardItem && window.isSecureContext)) return;
    root.querySelectorAll(".copy-qr").forEach(function (button) {
      var label = button.textContent;
      button.hidden = false;
      button.addEventListener("click", function () {
        var image = fetch(button.getAttribute("data-png"), { credentials: "same-origin" })
          .then(function (response) { return response.blob(); })
          .then(function (blob) { return new Blob([blob], { type: "image/png" }); });
        navigator.clipboard.write([new ClipboardItem({ "image/png": image })]).then(function () {
          button.textContent = "Copied";
          setTimeout(function () { button.textContent = label; }, 2000);
        }, function () {
          button.textContent = "Could not copy: use Download";
        });
      });
    });
  }

  bindCopyButtons(document);

  // On the table: Invite drivers opens the same content in a dialog.
  var table = document.querySelector(".grid");
  if (!table || !window.HTMLDialogElement) return;
  var dialog = document.createElement("dialog");
  dialog.className = "invite-dialog";
  dialog.setAttribute("aria-label", "Invite drivers");
  document.body.append(dialog);
  dialog.addEventListener("click", function (event) {
    if (event.target === dialog || event.target.closest(".dialog-close")) dialog.close();
  });
  table.addEventListener("click", function (event) {
    var link = event.target.closest("a[href$='/invite']");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    fetch(link.href, { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var main = page.querySelector("main");
        main.querySelectorAll(".breadcrumb, script").forEach(function (node) { node.remove(); });
        dialog.replaceChildren();
        var close = document.createElement("button");
        close.type = "button";
        close.className = "dialog-close";
        close.setAttribute("aria-label", "Close");
        close.textContent = "×";
        dialog.append(close);
        Array.prototype.forEach.call(main.children, function (child) { dialog.append(document.importNode(child, true)); });
        bindCopyButtons(dialog);
        dialog.showModal();
        var first = dialog.querySelector(".copy-button") || close;
        first.focus();
      });
  });
})();

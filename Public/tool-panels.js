// Columns and Export open in place, as Filter does: their link's page is fetched and its panel
// takes the link's place, open, with the focus on its button. Without this script the link loads
// the page with the panel open.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.tool-link");
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    fetch(link.href, { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var summary = new DOMParser().parseFromString(html, "text/html").getElementById(link.id);
        var panel = summary && summary.closest("details.tool-panel");
        if (!panel) { window.location.href = link.href; return; }
        panel = document.importNode(panel, true);
        link.replaceWith(panel);
        panel.open = true;
        var form = panel.querySelector("#column-form");
        if (form && window.initColumnPicker) window.initColumnPicker(form);
        panel.querySelector("summary").focus();
      }, function () { window.location.href = link.href; });
  });
})();

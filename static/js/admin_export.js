// The “全选” checkbox of django-import-export's export page. Upstream binds it
// with an inline onchange attribute, which the Content-Security-Policy refuses;
// templates/admin/import_export/export.html drops the attribute and this file
// binds the same upstream handler (export_selectable_fields.js) instead.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input.select-toggle").forEach(function (toggle) {
      toggle.addEventListener("change", function (event) {
        if (typeof window.onSelectToggleChange === "function") {
          window.onSelectToggleChange(event);
        }
      });
    });
  });
})();

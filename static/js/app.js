// Behaviour for server-rendered pages. No inline scripts (CSP script-src 'self').
(function () {
  "use strict";

  // <button data-copy-target="element-id">: copies the element's value or text.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button) return;
    var target = document.getElementById(button.dataset.copyTarget);
    if (!target) return;
    event.preventDefault(); // inside a <summary> the click must not also open or close the <details>
    var text = "value" in target && target.tagName !== "PRE" ? target.value : target.textContent;
    var done = function () {
      var label = button.textContent;
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = label; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done);
    } else {
      if (target.select) target.select();
      document.execCommand("copy");
      done();
    }
  });

  // <button data-details-toggle="open|close">: opens or closes every <details> of the same list.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-details-toggle]");
    if (!button) return;
    var scope = button.closest(".ce-plan") || document;
    var open = button.dataset.detailsToggle === "open";
    scope.querySelectorAll("details").forEach(function (details) { details.open = open; });
  });

  // <form data-confirm="question">: asks before submitting.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });

  // Label form: the value and "default" only apply to resource labels. A field the user already
  // filled stays enabled (a disabled field is not posted, so its value would vanish silently):
  // the server then says that only resource labels have a value.
  function syncLabelForm() {
    var resource = document.getElementById("id_resource");
    if (!resource) return;
    ["id_value", "id_is_default"].forEach(function (id) {
      var field = document.getElementById(id);
      if (!field) return;
      var filled = field.type === "checkbox" ? field.checked : field.value !== "";
      field.disabled = !resource.checked && !filled;
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target.id === "id_resource" || event.target.id === "id_value") syncLabelForm();
  });
  document.addEventListener("DOMContentLoaded", syncLabelForm);

  // A live status block that stopped polling reports the work done: notices that announced the work
  // ("Validation … is queued") are stale from then on.
  function clearSettledNotices() {
    var live = document.querySelectorAll("[data-live-block]");
    if (live.length === 0) return;
    var settled = Array.prototype.every.call(live, function (block) { return !block.hasAttribute("hx-trigger"); });
    if (settled) document.querySelectorAll("[data-pending-notice]").forEach(function (notice) { notice.remove(); });
  }
  document.addEventListener("htmx:afterSettle", clearSettledNotices);
  document.addEventListener("DOMContentLoaded", clearSettledNotices);  // the work may be done before the page is

  // <input data-filter-list="id">: shows only the choices of that list whose text holds what is typed.
  document.addEventListener("input", function (event) {
    var id = event.target.getAttribute && event.target.getAttribute("data-filter-list");
    var list = id && document.getElementById(id);
    if (!list) return;
    var words = event.target.value.toLowerCase().trim();
    list.querySelectorAll(".form-check").forEach(function (item) {
      item.hidden = words !== "" && item.textContent.toLowerCase().indexOf(words) === -1 && !item.querySelector("input:checked");
    });
  });
})();

// Compute-environment pages: the create form's option coupling (driven by the server's rule
// table, options.client_rules(), rendered with json_script), the mode switch, the environment
// variable rows, the instance-type warning, and copy buttons. The server checks every rule again.
(function () {
  "use strict";

  function initCopyButtons() {
    document.querySelectorAll("[data-copy]:not([data-copy-ready])").forEach(function (button) {
      button.setAttribute("data-copy-ready", "");
      button.addEventListener("click", function () {
        var source = document.querySelector(button.getAttribute("data-copy"));
        if (!source || !navigator.clipboard) return;
        navigator.clipboard.writeText(source.textContent.trim()).then(function () {
          var label = button.textContent;
          button.textContent = "Copied";
          setTimeout(function () { button.textContent = label; }, 1500);
        });
      });
    });
  }

  function initForm(form) {
    form.setAttribute("data-ce-ready", "");
    var rulesNode = document.getElementById("ce-client-rules");
    var rules = rulesNode ? JSON.parse(rulesNode.textContent) : [];

    function mode() {
      var checked = form.querySelector('input[name="mode"]:checked');
      return checked ? checked.value : "forge";
    }
    function input(path) {
      return form.querySelector('[name="' + path + '"]');
    }
    function wrapper(path) {
      var el = input(path);
      return el ? el.closest(".ce-field") : null;
    }
    function applies(path) {
      var box = wrapper(path);
      if (!box) return false;
      var only = box.getAttribute("data-mode");
      return !only || only === mode();
    }
    function value(path) {
      if (path === "mode") return mode();
      var el = input(path);
      if (!el || !applies(path)) return el && el.type === "checkbox" ? false : "";
      if (el.type === "checkbox") return el.checked;
      return el.value.trim();
    }
    function matches(expected, actual) {
      if (expected === "*") return actual !== "" && actual !== false;
      if (Array.isArray(expected)) return expected.indexOf(actual) !== -1;
      return actual === expected;
    }
    function whenHolds(rule, assume) {
      return Object.keys(rule.when).every(function (path) {
        var actual = assume && path in assume ? assume[path] : value(path);
        return matches(rule.when[path], actual);
      });
    }
    function singleToggle(rule) {
      var keys = Object.keys(rule.when);
      if (keys.length !== 1 || rule.when[keys[0]] !== true) return null;
      var el = input(keys[0]);
      return el && el.type === "checkbox" ? keys[0] : null;
    }

    // reasons: conflicts the user must resolve (the rule's full message, with its advice);
    // locks: why the script set and locked a field (the coupling, without advice already followed).
    var state;
    function reset() {
      state = { disabled: {}, reasons: {}, locks: {} };
    }
    function add(bucket, path, message) {
      var list = (bucket[path] = bucket[path] || []);
      if (list.indexOf(message) === -1) list.push(message);
    }
    function note(path, message) {
      add(state.reasons, path, message);
    }
    function disable(path, message) {
      state.disabled[path] = true;
      state.locks[path] = state.locks[path] || [];
      if (state.locks[path].indexOf(message) === -1) state.locks[path].push(message);
    }
    function lockText(path, message) {
      var cause = message.split(": ")[0].replace(/\.$/, "");
      var el = input(path);
      if (el && el.type === "checkbox") return (el.checked ? "On" : "Off") + " because " + cause + ".";
      return "Not used: " + cause + ".";
    }
    // What the user had in each field before a rule set it, so undoing the cause restores it.
    var setByRule = {};
    function remember(el, path) {
      if (!(path in setByRule)) setByRule[path] = el.type === "checkbox" ? el.checked : el.value;
    }
    function restoreReleased() {
      var restored = false;
      Object.keys(setByRule).forEach(function (path) {
        if (state.disabled[path]) return;
        var el = input(path);
        var previous = setByRule[path];
        delete setByRule[path];
        if (!el) return;
        if (el.type === "checkbox" ? el.checked !== previous : el.value !== previous) {
          if (el.type === "checkbox") el.checked = previous; else el.value = previous;
          restored = true;
        }
      });
      return restored;
    }
    function setValue(path, wanted) {
      var el = input(path);
      if (!el) return false;
      if ((el.type === "checkbox" && el.checked !== wanted) || (el.type !== "checkbox" && el.value !== "")) remember(el, path);
      if (el.type === "checkbox") {
        if (el.checked === wanted) return false;
        el.checked = wanted;
        return true;
      }
      if (el.value === "") return false;
      el.value = "";
      return true;
    }
    function autoFixable(path, wanted) {
      var el = input(path);
      return el && el.type === "checkbox" && typeof wanted === "boolean";
    }

    function evaluateRule(rule) {
      var changed = false;
      if (whenHolds(rule)) {
        Object.keys(rule.requires || {}).forEach(function (path) {
          var wanted = rule.requires[path];
          if (matches(wanted, value(path))) {
            if (rule.auto && applies(path)) disable(path, rule.message);
            return;
          }
          if (rule.auto && autoFixable(path, wanted) && applies(path)) {
            changed = setValue(path, wanted) || changed;
            disable(path, rule.message);
          } else {
            note(rule.field, rule.message);
          }
        });
        Object.keys(rule.excludes || {}).forEach(function (path) {
          var excluded = rule.excludes[path];
          var el = input(path);
          if (!el || !applies(path)) return;
          if (Array.isArray(excluded) && el.tagName === "SELECT") {
            Array.prototype.forEach.call(el.options, function (option) {
              if (excluded.indexOf(option.value) !== -1) option.disabled = true;
            });
          }
          if (matches(excluded, value(path))) {
            if (rule.auto) {
              changed = setValue(path, excluded === "*" ? (el.type === "checkbox" ? false : "") : !excluded) || changed;
              disable(path, rule.message);
            } else {
              note(rule.field, rule.message);
            }
          } else if (!Array.isArray(excluded)) {
            disable(path, rule.message);
          }
        });
        return changed;
      }
      // The rule's option is off: keep it off while its requirements cannot be met.
      var toggle = singleToggle(rule);
      if (toggle && applies(toggle)) {
        var assume = {};
        assume[toggle] = true;
        var blocked = Object.keys(rule.requires || {}).some(function (path) {
          var wanted = rule.requires[path];
          return !matches(wanted, value(path)) && !(rule.auto && autoFixable(path, wanted));
        }) || Object.keys(rule.excludes || {}).some(function (path) {
          return applies(path) && matches(rule.excludes[path], value(path));
        });
        if (blocked) disable(toggle, rule.message);
      }
      return changed;
    }

    function render() {
      form.querySelectorAll(".ce-field").forEach(function (box) {
        var path = box.getAttribute("data-path");
        var el = input(path);
        var reason = box.querySelector(".ce-reason");
        var conflicts = state.reasons[path] || [];
        var locks = (state.locks[path] || []).map(function (message) { return lockText(path, message); });
        // Each message once: not again beside the server's error, nor a lock restating a conflict's cause.
        var shown = Array.prototype.map.call(box.querySelectorAll(".ce-error"), function (e) { return e.textContent.trim(); });
        var messages = [];
        conflicts.concat(locks).forEach(function (text) {
          var cause = text.replace(/^(On|Off) because |^Not used: /, "").replace(/\.$/, "");
          var said = shown.concat(messages).some(function (other) { return other === text || other.indexOf(cause) === 0; });
          if (!said) messages.push(text);
        });
        if (el) {
          el.disabled = !!state.disabled[path];
          el.toggleAttribute("data-ce-disabled", el.disabled);
        }
        if (conflicts.length > 0) openGroupOf(box);  // a conflict to resolve is never left folded away
        if (reason) {
          reason.textContent = messages.join(" ");
          reason.hidden = messages.length === 0;
          reason.classList.toggle("text-warning-emphasis", conflicts.length > 0);
          reason.classList.toggle("ce-locked", conflicts.length === 0 && locks.length > 0);
        }
      });
    }

    function openGroupOf(node) {
      var details = node && node.closest("details.ce-collapsible");
      if (details) details.open = true;
      var deprecated = node && node.closest && node.closest("details.ce-deprecated");
      if (deprecated) deprecated.open = true;
    }
    // A link to a section or to a field (the error summary's) opens the folded group holding it.
    function openGroup(hash) {
      var target = hash && hash.length > 1 ? document.getElementById(decodeURIComponent(hash.slice(1))) : null;
      if (!target) return;
      openGroupOf(target.querySelector("details.ce-collapsible") || target);
      if (target.matches("input, select, textarea")) target.focus();
    }
    function initGroupLinks() {
      document.querySelectorAll(".ce-group-link a, .form-error-summary a").forEach(function (link) {
        link.addEventListener("click", function () { openGroup(link.getAttribute("href")); });
      });
      window.addEventListener("hashchange", function () { openGroup(window.location.hash); });
      openGroup(window.location.hash);
    }

    function showMode() {
      var current = mode();
      form.querySelectorAll(".ce-field[data-mode]").forEach(function (box) {
        box.hidden = box.getAttribute("data-mode") !== current;
      });
      form.querySelectorAll("section.ce-group").forEach(function (section) {
        var fields = section.querySelectorAll(".ce-field");
        var visible = Array.prototype.some.call(fields, function (box) { return !box.hidden; });
        var hasOwnContent = section.querySelector("#ce-env-rows");
        section.hidden = fields.length > 0 && !visible && !hasOwnContent;
        var link = document.querySelector('.ce-group-link[data-group="' + section.getAttribute("data-group") + '"]');
        if (link) link.hidden = section.hidden;
      });
    }

    function warnInstanceTypes() {
      var el = input("forge.instanceTypes");
      var warning = form.querySelector(".ce-instance-warning");
      if (!el || !warning) return;
      var count = el.value.split(/[\s,]+/).filter(Boolean).length;
      warning.hidden = count <= 20;
    }

    function update() {
      form.querySelectorAll("select option:disabled").forEach(function (option) { option.disabled = false; });
      showMode();
      for (var round = 0; round < 3; round++) {
        for (var pass = 0; pass < 4; pass++) {
          reset();
          var changed = false;
          rules.forEach(function (rule) { changed = evaluateRule(rule) || changed; });
          if (!changed) break;
        }
        if (!restoreReleased()) break;
      }
      render();
      warnInstanceTypes();
    }

    function initEnvRows() {
      var add = document.getElementById("ce-env-add");
      var template = document.getElementById("ce-env-template");
      var total = form.querySelector('input[name="env-TOTAL_FORMS"]');
      var rows = document.getElementById("ce-env-rows");
      if (!add || !template || !total || !rows) return;
      add.addEventListener("click", function () {
        var index = parseInt(total.value, 10) || 0;
        var html = template.innerHTML.replace(/__prefix__/g, String(index));
        rows.insertAdjacentHTML("beforeend", html);
        total.value = String(index + 1);
      });
    }

    form.addEventListener("change", update);
    form.addEventListener("input", function (event) {
      if (event.target && event.target.name === "forge.instanceTypes") warnInstanceTypes();
    });
    function enableCoupled() {
      // Disabled inputs are not posted: send what the coupling chose, the server checks it again.
      form.querySelectorAll("[data-ce-disabled]").forEach(function (el) { el.disabled = false; });
    }
    form.addEventListener("submit", enableCoupled);
    // The preview is posted by htmx (no reload), which gathers the values on click, before "submit".
    form.addEventListener("click", function (event) {
      if (event.target.closest(".ce-preview-button")) enableCoupled();
    }, true);
    initEnvRows();
    initGroupLinks();
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    initCopyButtons();
    var form = document.getElementById("ce-form");
    if (form) initForm(form);
    var summary = document.getElementById("form-error-summary");
    if (summary) summary.focus();
  });
  // "Add one of your …" under a list field (AWS pickers): appends the choice to the field's lines.
  document.addEventListener("change", function (event) {
    var select = event.target.closest && event.target.closest(".ce-picker-add");
    if (!select || !select.value) return;
    var field = document.querySelector('[name="' + select.getAttribute("data-append-to") + '"]');
    if (field) {
      var items = field.value.split(/[\s,]+/).filter(Boolean);
      if (items.indexOf(select.value) === -1) items.push(select.value);
      field.value = items.join("\n");
      field.dispatchEvent(new Event("change", { bubbles: true }));
    }
    select.value = "";
  });

  // "Preview plan" swaps in the re-rendered form: wire it up, then show the errors or the preview.
  document.addEventListener("htmx:afterSwap", function () {
    var form = document.getElementById("ce-form");
    if (!form || form.hasAttribute("data-ce-ready")) return;
    initCopyButtons();
    initForm(form);
    var shown = document.getElementById("form-error-summary") || document.getElementById("preview");
    if (shown) {
      shown.scrollIntoView({ block: "start" });
      if (shown.id === "form-error-summary") shown.focus();
    }
  });
})();

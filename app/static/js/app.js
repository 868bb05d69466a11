// Small progressive enhancements; every page works without them.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
document.addEventListener("DOMContentLoaded", function () {
  // Move focus to the error summary so screen-reader users hear that the form needs fixing.
  var summary = document.querySelector(".error-summary");
  if (summary) { summary.focus(); }
});
// A form whose parts depend on a choice (the need form: a meal asks a day and a meal, other help a window):
// <select data-switch="kind"> shows the parts marked data-when="kind=meal" or data-when="kind!=meal" and
// disables the inputs of the others. Without script the "no-script" button sends the form back with the choice.
// A fieldset of radio buttons may be the switch too (<fieldset data-switch="kind">: the ballot form's answers).
document.addEventListener("DOMContentLoaded", function () {
  var switches = document.querySelectorAll("[data-switch]");
  Array.prototype.forEach.call(switches, function (select) {
    var form = select.form;
    var name = select.getAttribute("data-switch");
    Array.prototype.forEach.call(form.querySelectorAll(".no-script"), function (el) { el.parentNode.removeChild(el); });
    function value() {
      if (select.tagName === "SELECT") { return select.value; }
      var checked = select.querySelector("input[name='" + name + "']:checked");
      return checked ? checked.value : "";
    }
    function apply() {
      Array.prototype.forEach.call(form.querySelectorAll("[data-when]"), function (part) {
        var rule = part.getAttribute("data-when");
        var negated = rule.indexOf(name + "!=") === 0;
        var wanted = rule.slice(name.length + (negated ? 2 : 1));
        var shown = negated ? value() !== wanted : value() === wanted;
        part.hidden = !shown;
        Array.prototype.forEach.call(part.querySelectorAll("input, select, textarea"), function (input) {
          input.disabled = !shown;
        });
      });
    }
    select.addEventListener("change", apply);
    apply();
  });
});

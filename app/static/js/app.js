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

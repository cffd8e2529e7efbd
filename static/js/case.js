// The staff case page. Everything works without this script; it only helps:
// 1. after a failed submit, focus moves to the error summary of the step that failed, so a
//    screen reader announces it and the keyboard continues from there;
// 2. in browsers without exclusive <details name>, opening one step closes the others.
(function () {
  "use strict";
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    var step = summary.closest("details");
    if (step) { step.open = true; }
    // After "load": the browser's scroll to the URL's #step-… fragment comes after the
    // deferred scripts and would reset the focus set earlier.
    var focus = function () { summary.focus(); };
    if (document.readyState === "complete") { focus(); } else { window.addEventListener("load", focus); }
  }
  var steps = document.querySelectorAll("details[data-step]");
  steps.forEach(function (step) {
    step.addEventListener("toggle", function () {
      if (!step.open) { return; }
      steps.forEach(function (other) {
        if (other !== step && other.open) { other.open = false; }
      });
    });
  });
})();

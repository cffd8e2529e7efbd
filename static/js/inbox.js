// The staff inbox. Everything works without this script; it only adds a "select all on this
// page" box to the bulk actions (hidden until this script shows it), which also reflects a
// partial selection (indeterminate) as the rows are ticked one by one.
(function () {
  "use strict";
  var all = document.querySelector("[data-select-all]");
  var boxes = document.querySelectorAll("input[type=checkbox][name=case]");
  if (!all || !boxes.length) { return; }
  all.closest("[hidden]") && all.closest("[hidden]").removeAttribute("hidden");
  var sync = function () {
    var ticked = Array.prototype.filter.call(boxes, function (b) { return b.checked; }).length;
    all.checked = ticked === boxes.length;
    all.indeterminate = ticked > 0 && ticked < boxes.length;
  };
  all.addEventListener("change", function () {
    boxes.forEach(function (b) { b.checked = all.checked; });
    sync();
  });
  boxes.forEach(function (b) { b.addEventListener("change", sync); });
  sync();
})();

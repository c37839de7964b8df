// Keyboard for the review page: j/k move between spellings, a accepts, r rejects, n marks "not a
// name", x ticks a spelling, e edits the group's canonical name. Everything also works without this file (plain forms).
(function () {
  "use strict";
  var rows = function () { return Array.prototype.slice.call(document.querySelectorAll("tr.spelling")); };
  var current = function () { return document.activeElement && document.activeElement.closest ? document.activeElement.closest("tr.spelling") : null; };
  function move(step) {
    var all = rows(); if (!all.length) return;
    var index = all.indexOf(current());
    var next = all[Math.min(all.length - 1, Math.max(0, index + step))] || all[0];
    next.focus(); next.scrollIntoView({block: "center"});
  }
  function press(name) {
    var row = current(); if (!row) return;
    var button = row.querySelector("button[value='" + name + "']"); if (button) button.click();
  }
  document.addEventListener("keydown", function (event) {
    var tag = event.target.tagName;
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA" || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "j") move(1);
    else if (event.key === "k") move(-1);
    else if (event.key === "a") press("accept");
    else if (event.key === "r") press("reject");
    else if (event.key === "n") press("not-a-name");
    else if (event.key === "x") {  // tick the spelling, for "Move ticked" or "New entity from ticked"
      var box = current() && current().querySelector("input[name='selected']");
      if (box) box.checked = !box.checked;
    }
    else if (event.key === "e") {
      var group = (current() || document.querySelector("section.group"));
      var section = group && group.closest("section.group");
      var input = section && section.querySelector("input[name='canonical']");
      if (input) { input.focus(); input.select(); }
    } else return;
    event.preventDefault();
  });
  // After an action: the row the server marked (the one after the row decided), else the group's
  // first; once the page has loaded, since the browser's own jump to #g-… comes before that.
  function restoreFocus() {
    var focusRow = document.querySelector("tr.spelling[data-focus]") || document.querySelector("section.group:target tr.spelling");
    if (focusRow) { focusRow.focus({preventScroll: true}); focusRow.scrollIntoView({block: "center"}); }
  }
  if (document.readyState === "complete") restoreFocus();
  else window.addEventListener("load", function () { setTimeout(restoreFocus, 0); });
})();

// Planting a stake: when the kind of conversation changes, an untouched groundwork follows
// it (the opening of a check-in is not that of a design conversation). Words the person
// typed are never replaced. Without JavaScript the server does the same on submit.
(function () {
  "use strict";
  var kind = document.getElementById("id_kind");
  var groundwork = document.getElementById("id_groundwork");
  if (!kind || !groundwork) return;
  function defaults() {
    return Array.prototype.filter
      .call(groundwork.attributes, function (a) { return a.name.indexOf("data-default-") === 0; })
      .map(function (a) { return a.value.trim(); });
  }
  kind.addEventListener("change", function () {
    var chosen = groundwork.getAttribute("data-default-" + kind.value);
    if (chosen && defaults().indexOf(groundwork.value.trim()) !== -1) {
      groundwork.value = chosen;
    }
  });
})();

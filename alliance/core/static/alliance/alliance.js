// Small enhancements; every page works without this file.
(function () {
  "use strict";

  // Copy buttons next to read-only inputs (invitation links).
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var input = button.parentElement.querySelector(".copy-source");
      if (!input) return;
      input.select();
      var done = function () { button.textContent = "Copied"; };
      if (navigator.clipboard) {
        navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); });
      } else {
        document.execCommand("copy");
        done();
      }
    });
  });

  // Pre-select the browser's own time zone on sign-up and profile forms.
  document.querySelectorAll("select[data-guess-time-zone]").forEach(function (select) {
    if (select.value && select.value !== "UTC") return;
    try {
      var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      if (zone && select.querySelector('option[value="' + zone + '"]')) select.value = zone;
    } catch (e) { /* keep the server's default */ }
  });

  // Show the comment box only when someone asks for a change.
  document.querySelectorAll("form.consent").forEach(function (form) {
    var comment = form.querySelector(".consent-comment");
    if (!comment) return;
    var sync = function () {
      var change = form.querySelector('input[name="decision"][value="change"]');
      comment.hidden = !(change && change.checked);
    };
    form.addEventListener("change", sync);
    sync();
  });
})();

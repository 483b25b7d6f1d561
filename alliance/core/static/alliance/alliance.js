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

  // The browser's own time zone: pre-selected on the sign-up form, and told to the server
  // (a cookie) so it can ask a signed-in person whose profile says otherwise.
  var browserZone = "";
  try {
    browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (e) { /* keep the server's default */ }
  if (browserZone) {
    document.cookie = "browser_time_zone=" + encodeURIComponent(browserZone) +
      "; path=/; max-age=31536000; SameSite=Lax" + (location.protocol === "https:" ? "; Secure" : "");
  }
  document.querySelectorAll("select[data-guess-time-zone]").forEach(function (select) {
    if (!browserZone || (select.value && select.value !== "UTC")) return;
    var option = Array.prototype.find.call(select.options, function (o) { return o.value === browserZone; });
    if (option) select.value = browserZone;
  });

  // The copy of one's data being prepared: read the page again every few seconds and
  // show its new state, until it is no longer on its way.
  var followed = document.querySelector("[data-copy-status][data-poll]");
  if (followed && window.fetch && window.DOMParser) {
    var follow = function () {
      fetch(location.href, { credentials: "same-origin" }).then(function (response) {
        return response.ok ? response.text() : Promise.reject(response.status);
      }).then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-copy-status]");
        if (!fresh) return;
        // The same live region with new words, so a screen reader reads them out.
        followed.innerHTML = fresh.innerHTML;
        if (fresh.hasAttribute("data-poll")) setTimeout(follow, 3000);
      }).catch(function () { setTimeout(follow, 15000); });
    };
    setTimeout(follow, 3000);
  }

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

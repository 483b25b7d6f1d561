// Keeps the conversation page current while several people have it open: who has
// shared, and each reveal as it happens. Without JavaScript the page is correct on every
// reload; this only saves the reload. The reflection form is never touched.
(function () {
  "use strict";
  var root = document.querySelector("[data-board-url]");
  if (!root || !window.fetch || !window.DOMParser) return;
  var url = root.getAttribute("data-board-url");
  function refresh() {
    if (document.hidden) return;
    fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) return;
        var fresh = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll("[data-live]").forEach(function (part) {
          var next = fresh.getElementById(part.id);
          if (next && next.innerHTML !== part.innerHTML) part.innerHTML = next.innerHTML;
        });
      })
      .catch(function () { /* try again on the next tick */ });
  }
  setInterval(refresh, 4000);
})();

// Keeps the conversation board current while several people have it open. Without
// JavaScript the page is correct on every reload; this only saves the reload.
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board || !window.fetch) return;
  var url = board.getAttribute("data-board-url");
  var last = board.innerHTML;
  function refresh() {
    if (document.hidden) return;
    fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html !== null && html !== last) {
          board.innerHTML = html;
          last = html;
        }
      })
      .catch(function () { /* try again on the next tick */ });
  }
  setInterval(refresh, 4000);
})();

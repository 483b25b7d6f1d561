// As-you-type feedback for <textarea data-feedback-coach> inside a form: after a pause in
// typing, post the text to the coach and show its flags in [data-feedback-for="<id>"].
// The markup mirrors feedback/_flags.html. The text's fingerprint goes into the hidden
// [data-coach-seen-for="<id>"], so that on save the server does not hold back words whose
// flags are already shown. Pages work without this file: the server renders the same
// fragment, and holds flagged words back once, when the form is submitted.
(function () {
  "use strict";

  var PAUSE_MS = 600;
  var DEFAULT_URL = "/feedback/review/";

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function renderFlag(flag) {
    var item = element("li", "feedback-flag feedback-flag-" + flag.kind);
    item.appendChild(element("strong", "feedback-flag-label", flag.label || flag.kind));
    if (flag.words && flag.words.length) {
      var words = element("span", "feedback-flag-words");
      flag.words.forEach(function (word, index) {
        if (index) words.appendChild(document.createTextNode(", "));
        words.appendChild(element("q", "", word));
      });
      item.appendChild(document.createTextNode(" "));
      item.appendChild(words);
    }
    item.appendChild(element("p", "feedback-flag-suggestion", flag.suggestion));
    if (flag.explanation) item.appendChild(element("p", "feedback-flag-explanation", flag.explanation));
    return item;
  }

  // textContent only, never innerHTML: the words come from what the person typed.
  function render(target, flags) {
    target.textContent = "";
    if (!flags.length) return;
    var list = element("ul", "feedback-flags");
    flags.forEach(function (flag) { list.appendChild(renderFlag(flag)); });
    target.appendChild(list);
  }

  function attach(area) {
    var form = area.form;
    var token = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    var target = area.id && document.querySelector('[data-feedback-for="' + area.id + '"]');
    if (!token || !target) return;
    var seen = form.querySelector('[data-coach-seen-for="' + area.id + '"]');
    var url = area.getAttribute("data-feedback-coach") || DEFAULT_URL;
    var timer = null;
    var latest = 0;

    function ask() {
      var asked = ++latest;
      var body = new URLSearchParams({ text: area.value, csrfmiddlewaretoken: token.value });
      fetch(url, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": token.value, "Accept": "application/json" },
      })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          // An older answer arriving late must not replace a newer one.
          if (!data || asked !== latest) return;
          render(target, data.flags || []);
          if (seen && data.seen) seen.value = data.seen;
        })
        .catch(function () { /* feedback is a nicety; typing goes on without it */ });
    }

    area.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, PAUSE_MS);
    });
  }

  document.querySelectorAll("form textarea[data-feedback-coach]").forEach(attach);
})();

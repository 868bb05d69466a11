// The searchable picker (templates/macros.html: picker): turns the search field into an ARIA combobox
// (https://www.w3.org/WAI/ARIA/apg/patterns/combobox/) fed by the server's JSON search. Without this
// script the field is a search that sends the form with GET and the page lists the matches as radio buttons.
(function () {
  "use strict";

  function say(template, n) { return (template || "").replace("{n}", String(n)); }

  function setUp(root) {
    var name = root.getAttribute("data-picker");
    var source = root.getAttribute("data-source");
    var input = root.querySelector("input[type=search]");
    var choices = root.querySelector(".picker-choices");
    var go = root.querySelector(".picker-go");
    if (!input || !source || !window.fetch) { return; }

    // The chosen id travels in a hidden input; the radio buttons and the Search button are for pages without script.
    var checked = choices && choices.querySelector("input[type=radio]:checked");
    var value = document.createElement("input");
    value.type = "hidden";
    value.name = name;
    value.value = checked ? checked.value : "";
    var chosenLabel = checked && checked.value ? checked.getAttribute("data-label") || "" : "";
    if (chosenLabel && !input.value) { input.value = chosenLabel; }
    if (choices) { choices.parentNode.removeChild(choices); }
    if (go) { go.parentNode.removeChild(go); }
    root.appendChild(value);

    var list = document.createElement("ul");
    list.id = name + "-listbox";
    list.className = "picker-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", root.querySelector("label").textContent.replace("*", "").trim());
    list.hidden = true;
    input.parentNode.appendChild(list);
    var live = document.createElement("div");
    live.className = "visually-hidden picker-live";
    live.setAttribute("aria-live", "polite");  // announced like a status, without being one of the page's
    live.setAttribute("aria-atomic", "true");
    root.appendChild(live);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);

    var items = [], active = -1, timer = null, asked = 0;

    function open(yes) {
      list.hidden = !yes;
      input.setAttribute("aria-expanded", yes ? "true" : "false");
      if (!yes) { highlight(-1); }
    }

    function highlight(index) {
      var options = list.children;
      for (var i = 0; i < options.length; i++) {
        options[i].setAttribute("aria-selected", i === index ? "true" : "false");
      }
      active = index;
      if (index >= 0 && options[index]) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({block: "nearest"});
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function choose(index) {
      var item = items[index];
      if (!item) { return; }
      value.value = item.id;
      chosenLabel = item.label;
      input.value = item.label;
      open(false);
      live.textContent = item.label + (item.detail ? " · " + item.detail : "");
    }

    function show(answer) {
      items = answer.items || [];
      list.textContent = "";
      items.forEach(function (item, i) {
        var option = document.createElement("li");
        option.id = name + "-option-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.textContent = item.label;
        if (item.detail) {
          var detail = document.createElement("span");
          detail.className = "muted";
          detail.textContent = " · " + item.detail;
          option.appendChild(detail);
        }
        option.addEventListener("mousedown", function (event) { event.preventDefault(); });
        option.addEventListener("click", function () { choose(i); input.focus(); });
        list.appendChild(option);
      });
      open(items.length > 0);
      var message = items.length === 0 ? root.getAttribute("data-none")
        : answer.more ? say(root.getAttribute("data-more"), items.length)
          : items.length === 1 ? root.getAttribute("data-one") : say(root.getAttribute("data-many"), items.length);
      live.textContent = message;
    }

    function search() {
      var q = input.value.trim();
      var ticket = ++asked;
      if (!q) { items = []; list.textContent = ""; open(false); live.textContent = ""; return; }
      fetch(source + (source.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(q),
            {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.json();
        })
        .then(function (answer) { if (ticket === asked) { show(answer); } })
        .catch(function () { if (ticket === asked) { open(false); live.textContent = root.getAttribute("data-failed"); } });
    }

    input.addEventListener("input", function () {
      if (input.value !== chosenLabel) { value.value = ""; chosenLabel = ""; }
      window.clearTimeout(timer);
      timer = window.setTimeout(search, 150);
    });

    input.addEventListener("keydown", function (event) {
      var key = event.key;
      if (key === "ArrowDown" || key === "Down") {
        event.preventDefault();
        if (list.hidden) { if (items.length) { open(true); highlight(0); } else { search(); } }
        else { highlight(active + 1 >= items.length ? 0 : active + 1); }
      } else if (key === "ArrowUp" || key === "Up") {
        event.preventDefault();
        if (list.hidden) { if (items.length) { open(true); highlight(items.length - 1); } }
        else { highlight(active <= 0 ? items.length - 1 : active - 1); }
      } else if (key === "Enter") {
        if (!list.hidden && active >= 0) { event.preventDefault(); choose(active); }
        else if (!list.hidden && items.length === 1) { event.preventDefault(); choose(0); }
      } else if (key === "Escape" || key === "Esc") {
        if (!list.hidden) { event.preventDefault(); open(false); }
        else if (input.value) { event.preventDefault(); input.value = ""; value.value = ""; chosenLabel = ""; }
      } else if (key === "Tab") {
        open(false);
      }
    });

    input.addEventListener("blur", function () { window.setTimeout(function () { open(false); }, 150); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var pickers = document.querySelectorAll("[data-picker]");
    for (var i = 0; i < pickers.length; i++) { setUp(pickers[i]); }
  });
})();

// The photos of a form (templates/macros.html: photo_upload): one file input for several photos in place of
// the fixed slots, and one "what it shows" field per chosen file. Without this script the slots (a file input
// and its alt text each) work as they are. The alt fields keep their names (alt-0, alt-1, …), their typed
// text and the server's messages.
(function () {
  "use strict";

  function say(template, n) { return (template || "").replace("{n}", String(n)); }

  function setUp(root) {
    var many = root.querySelector(".photo-many");
    var input = many && many.querySelector("input[type=file]");
    var list = root.querySelector(".photo-slots");
    if (!input || !list || !("files" in input)) { return; }
    var max = parseInt(root.getAttribute("data-max"), 10) || 10;

    function slots() { return list.querySelectorAll(".photo-slot"); }

    function newSlot(i) {
      var li = document.createElement("li");
      li.className = "photo-slot";
      li.setAttribute("data-slot", String(i));
      var div = document.createElement("div");
      div.className = "field";
      var label = document.createElement("label");
      label.setAttribute("for", "alt-" + i);
      var alt = document.createElement("input");
      alt.type = "text";
      alt.id = "alt-" + i;
      alt.name = "alt-" + i;
      alt.maxLength = 300;
      div.appendChild(label);
      div.appendChild(alt);
      li.appendChild(div);
      list.appendChild(li);
      return li;
    }

    function show(slot, i, file) {
      var label = slot.querySelector("label[for='alt-" + i + "']");
      var alt = slot.querySelector("input[name='alt-" + i + "']");
      if (label) { label.textContent = say(root.getAttribute("data-alt-label"), i + 1) + (file ? " (" + file.name + ")" : ""); }
      if (alt) { alt.disabled = !file; alt.required = !!file; }
      slot.hidden = !file;
    }

    // The slots' own file inputs give way to the one that takes several photos.
    Array.prototype.forEach.call(list.querySelectorAll("input[type=file]"), function (one) {
      var field = one.closest(".field");
      one.disabled = true;
      if (field) { field.hidden = true; }
    });
    many.hidden = false;
    input.disabled = false;

    function apply() {
      var files = input.files || [];
      var count = Math.min(files.length, max);
      while (slots().length < count) { newSlot(slots().length); }
      Array.prototype.forEach.call(slots(), function (slot, i) { show(slot, i, i < count ? files[i] : null); });
      var note = root.querySelector(".photo-too-many");
      if (files.length > max) {
        if (!note) {
          note = document.createElement("p");
          note.className = "field-errors photo-too-many";
          note.setAttribute("role", "alert");
          many.appendChild(note);
        }
        note.textContent = root.getAttribute("data-too-many");
      } else if (note) {
        note.parentNode.removeChild(note);
      }
    }
    input.addEventListener("change", apply);
    apply();
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-photo-upload]"), setUp);
  });
})();

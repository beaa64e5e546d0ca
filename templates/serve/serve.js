// Progressive enhancement of the forms of `postmortem serve`: everything works without it.
// "Add a row" adds a blank row in place (without it, the button asks the server for one);
// "Remove" empties and removes a row; the facilitator's status refreshes itself.
(function () {
"use strict";

function renumber(row, index) {
  row.dataset.index = String(index);
  row.querySelectorAll("[id], [name], label[for]").forEach(function (el) {
    ["id", "name", "for"].forEach(function (attr) {
      var value = el.getAttribute(attr);
      if (value) { el.setAttribute(attr, value.replace(/-\d+-/, "-" + index + "-")); }
    });
  });
  var number = row.querySelector(".num");
  if (number) { number.textContent = String(index + 1); }
}

function enableRemove(row) {
  var button = row.querySelector("button.remove");
  if (!button) { return; }
  button.hidden = false;
  button.addEventListener("click", function () {
    var list = row.parentElement;
    row.querySelectorAll("input, select").forEach(function (el) { el.value = ""; });
    if (list.children.length > 1) { row.remove(); }
  });
}

document.querySelectorAll("ol.rows > li.row").forEach(enableRemove);

document.querySelectorAll("button.add[data-rows]").forEach(function (button) {
  button.addEventListener("click", function (event) {
    event.preventDefault();
    var list = document.getElementById(button.dataset.rows);
    var last = list.lastElementChild;
    var next = 0;
    list.querySelectorAll("li.row").forEach(function (row) { next = Math.max(next, Number(row.dataset.index) + 1); });
    var row = last.cloneNode(true);
    row.querySelectorAll("input, select").forEach(function (el) { el.value = ""; });
    row.querySelectorAll(".nudge").forEach(function (el) { el.remove(); });
    renumber(row, next);
    list.appendChild(row);
    enableRemove(row);
    var first = row.querySelector("input, select");
    if (first) { first.focus(); }
  });
});

var board = document.getElementById("status");
if (board && board.dataset.src) {
  window.setInterval(function () {
    fetch(board.dataset.src, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) { if (html !== null) { board.innerHTML = html; } })
      .catch(function () { /* the server stopped: keep what is shown */ });
  }, 5000);
}
}());

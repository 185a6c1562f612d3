// The notice form's schedule: only the parts the chosen repeat uses are shown, and the words
// and next five dates are asked of the server as the staff member types. Without this script
// every part shows and the dates appear after saving.
(function () {
  "use strict";
  var form = document.querySelector("form.notice-form");
  var preview = document.getElementById("schedule-preview");  // the notice form's only
  var repeat = document.getElementById("repeat");
  if (!form || !repeat) return;
  var SCHEDULE = /^(rule_kind|starts_at|repeat.*|rrule|holiday_shift|offset_days|send_time)$/;

  function showParts() {
    var kind = form.querySelector("input[name=rule_kind]:checked");  // notices: once or a repeat
    document.getElementById("repeat-fields").hidden = kind !== null && kind.value !== "rrule";
    form.querySelectorAll("[data-for-kind]").forEach(function (part) {
      part.hidden = kind !== null && part.getAttribute("data-for-kind") !== kind.value;
    });
    form.querySelectorAll("[data-for-repeat]").forEach(function (part) {
      part.hidden = part.getAttribute("data-for-repeat").split(" ").indexOf(repeat.value) < 0;
    });
  }

  var pending = null;
  function refresh() {
    if (!preview) return;
    clearTimeout(pending);
    pending = setTimeout(function () {
      fetch(preview.getAttribute("data-url"), {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
      })
        .then(function (response) { return response.json(); })
        .then(show)
        .catch(function () {});
    }, 300);
  }

  function show(answer) {
    var heading = preview.querySelector("h2");
    preview.replaceChildren(heading);
    if (answer.error) {
      var error = document.createElement("p");
      error.className = "error";
      error.textContent = answer.error;
      preview.appendChild(error);
      return;
    }
    var words = document.createElement("p");
    words.className = "schedule-words";
    words.textContent = answer.description;
    preview.appendChild(words);
    var list = document.createElement("ol");
    list.className = "schedule-dates";
    answer.dates.forEach(function (day) {
      var item = document.createElement("li");
      item.textContent = day;
      list.appendChild(item);
    });
    preview.appendChild(list);
  }

  form.addEventListener("change", function (event) {
    showParts();
    if (SCHEDULE.test(event.target.name)) refresh();
  });
  form.addEventListener("input", function (event) {
    if (SCHEDULE.test(event.target.name)) refresh();
  });
  showParts();
  refresh();
})();

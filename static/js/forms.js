// A form that came back with errors: move focus to its summary, so keyboard and screen-reader
// users start where the problems are listed (an alert on page load is not reliably announced).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", () => {
    const summary = document.getElementById("form-errors");
    if (summary) summary.focus();
  });
})();

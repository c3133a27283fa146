// Polku works without JavaScript; this only helps keyboard and screen-reader users after a refused save:
// the error summary takes the focus, so its list of problems (each a link to its field) is read out first.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector(".error-summary[tabindex]");
  if (summary) {
    summary.focus();
  }
});

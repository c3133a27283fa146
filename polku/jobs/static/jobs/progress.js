/* Polku: a background job's progress (jobs/_progress.html). Polls the element's data-status-url every second
   (JSON: done, total, phase, status, finished, text, detail_html) and updates the bar; reloads the page once the
   job has finished. Without this script the page keeps its "Päivitä" link. */
(function () {
  "use strict";

  function watch(box) {
    var url = box.getAttribute("data-status-url");
    if (!url) { return; }
    var bar = box.querySelector("[data-job-bar]");
    var text = box.querySelector("[data-job-text]");
    var phase = box.querySelector("[data-job-phase]");
    var detail = box.querySelector("[data-job-detail]");
    var refresh = box.querySelector("[data-job-refresh]");
    if (refresh) { refresh.hidden = true; }
    var failures = 0;

    function apply(state) {
      if (state.total) {
        bar.max = state.total;
        bar.value = state.done || 0;
        bar.textContent = (state.done || 0) + " / " + state.total;
      } else {
        bar.removeAttribute("value");  // indeterminate until the total is known
      }
      var line = state.text || ((state.done || 0) + (state.total ? " / " + state.total : ""));
      if (text.textContent !== line) { text.textContent = line; }
      if (phase && typeof state.phase === "string" && phase.textContent !== state.phase) { phase.textContent = state.phase; }
      if (detail && typeof state.detail_html === "string") { detail.innerHTML = state.detail_html; }
      box.setAttribute("data-status", state.status || "");
    }

    function poll() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.json();
        })
        .then(function (state) {
          failures = 0;
          apply(state);
          if (state.finished) {
            window.location.reload();
          } else {
            window.setTimeout(poll, 1000);
          }
        })
        .catch(function () {
          failures += 1;
          if (refresh) { refresh.hidden = false; }
          if (failures < 30) { window.setTimeout(poll, 2000); }
        });
    }

    if (box.getAttribute("data-status") === "SUCCESSFUL" || box.getAttribute("data-status") === "FAILED") { return; }
    window.setTimeout(poll, 1000);
  }

  function start() {
    var boxes = document.querySelectorAll("[data-job-progress]");
    for (var i = 0; i < boxes.length; i += 1) {
      if (!boxes[i].hasAttribute("data-job-watched")) {
        boxes[i].setAttribute("data-job-watched", "");
        watch(boxes[i]);
      }
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());

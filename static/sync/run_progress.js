// A sync run's admin page: while the run is pending or running, ask the server how it is doing
// every 2 seconds and update the page's fields and progress bar in place.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  var source = document.getElementById("sync-run-progress");
  if (!source) return;
  var ACTIVE = ["pending", "running"];
  var COUNTS = ["seen", "total", "created", "updated", "unchanged", "excluded", "failed", "deleted"];
  var EMPTY = "-"; // what the admin shows for an empty value

  function setField(name, text) {
    var cell = document.querySelector(".field-" + name + " .readonly");
    if (cell) cell.textContent = text;
  }

  // Counts grouped as the server groups them (crm.money.format_number): "12,345".
  function grouped(count) {
    return count.toLocaleString(document.documentElement.lang || "en-US");
  }

  // The same bar as sync.admin.progress_bar draws on the server.
  function drawBar(data) {
    var bar = document.querySelector(".field-progress_column progress");
    var label = document.querySelector(".field-progress_column .sync-progress-text");
    if (bar) {
      if (data.total) {
        bar.max = data.total;
        bar.value = Math.min(data.seen, data.total);
      } else if (data.progress !== null) {
        bar.max = 1;
        bar.value = 1;
      } else if (ACTIVE.indexOf(data.status) >= 0) {
        bar.removeAttribute("value"); // indeterminate: the total is not known yet
      } else {
        bar.max = 1;
        bar.value = 0;
      }
    }
    if (label) {
      var percent = data.progress === null ? "" : " (" + Math.round(data.progress * 100) + "%)";
      label.textContent =
        grouped(data.seen) + " / " + (data.total === null ? "?" : grouped(data.total)) + percent;
    }
  }

  function show(data) {
    // The status labels are the values capitalised ("running" → "Running").
    setField("status", data.status.charAt(0).toUpperCase() + data.status.slice(1));
    COUNTS.forEach(function (name) {
      setField(name, data[name] === null ? EMPTY : String(data[name]));
    });
    setField("error", data.error || EMPTY);
    drawBar(data);
  }

  function poll() {
    fetch(source.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        show(data);
        if (ACTIVE.indexOf(data.status) >= 0) {
          window.setTimeout(poll, 2000);
        } else {
          // Finished: reload once so every field (finished at, summary…) is current.
          window.location.reload();
        }
      })
      .catch(function () {
        window.setTimeout(poll, 10000); // the server did not answer: keep trying, less often
      });
  }

  if (ACTIVE.indexOf(source.dataset.status) >= 0) window.setTimeout(poll, 2000);
});

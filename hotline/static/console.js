// Enhancements only: the console works without this script.
// 1. Countdowns tick every 30 s. 2. The queue reloads every minute unless someone is typing.
(function () {
  "use strict";
  function words(seconds) {
    var late = seconds < 0, s = Math.abs(seconds);
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    var text = h ? h + " h " + (m < 10 ? "0" : "") + m + " min" : m + " min";
    return late ? text + " overdue" : text;
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("time.countdown[data-due]").forEach(function (el) {
      var due = Date.parse(el.getAttribute("data-due"));
      if (!isNaN(due)) { el.textContent = words(Math.round((due - now) / 1000)); }
    });
  }
  setInterval(tick, 30000);
  var table = document.querySelector("table[data-refresh]");
  if (table) {
    var every = parseInt(table.getAttribute("data-refresh"), 10) * 1000;
    setInterval(function () {
      var active = document.activeElement;
      var typing = active && /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName);
      if (!typing && document.visibilityState === "visible") { window.location.reload(); }
    }, every);
  }
})();

// The page's only code: it asks the server for the panels every few
// seconds and swaps them in. The server runs the queries and draws the
// charts, so a failure here leaves the last panels up and says so.
"use strict";
(() => {
  const content = document.getElementById("content");
  const offline = document.getElementById("offline");
  const interval = Number(document.body.dataset.intervalMs) || 5000;
  // While a panel waits for its first result, ask more often.
  const next = () => (content.querySelector('main[data-pending="true"]') ? Math.min(500, interval) : interval);

  async function poll() {
    try {
      const res = await fetch("panels", { cache: "no-store" });
      const body = await res.text();
      if (!res.ok) {
        throw new Error(`HTTP ${res.status}: ${body.trim()}`);
      }
      content.innerHTML = body;
      offline.hidden = true;
    } catch (err) {
      const at = new Date().toISOString().slice(11, 19);
      offline.textContent = `The dashboard server did not answer at ${at} UTC (${err.message}); the panels below are as of the times they give.`;
      offline.hidden = false;
    }
    setTimeout(poll, next());
  }
  setTimeout(poll, next());
})();

// A teacher's running total on the test conversation page: the session's stored totals when the
// page loaded plus each reply completed since, counted once per message id (a reconnect that
// redraws the transcript changes nothing). Replies on the page when it loaded (rendered from the
// stored rows) are already in those totals. Costs are decimal strings, summed exactly as integers
// of 1e-10 dollars.
(function () {
  "use strict";

  const SCALE = 10;
  const replies = new Map();
  const inBaseTotals = new Set();

  function units(text) {
    const plain = /e/i.test(String(text)) ? Number(text).toFixed(SCALE) : String(text); // "0E-10"
    const [whole, fraction = ""] = plain.split(".");
    return BigInt(whole || "0") * 10n ** BigInt(SCALE) + BigInt((fraction + "0".repeat(SCALE)).slice(0, SCALE));
  }

  // The app's one money format (sessions_app/money.py, usd), for this total only: rounded half
  // up to six decimals under a cent, four under a dollar, two from a dollar up.
  const TIERS = [[10n ** 8n, 6], [10n ** 10n, 4]];

  function rounded(value, places) {
    const unit = 10n ** BigInt(SCALE - places);
    return ((value + unit / 2n) / unit) * unit;
  }

  function shown(value, places) {
    const digits = (value / 10n ** BigInt(SCALE - places)).toString().padStart(places + 1, "0");
    const whole = digits.slice(0, -places).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return `$${whole}.${digits.slice(-places)}`;
  }

  function dollars(value) {
    for (const [bound, places] of TIERS) {
      const near = rounded(value, places);
      if (near < bound) return shown(near, places);
    }
    return shown(rounded(value, 2), 2);
  }

  function update() {
    const box = document.getElementById("running-cost");
    if (!box) return;
    document.querySelectorAll("[data-cost-usd][data-message-id]").forEach((line) => {
      if (inBaseTotals.has(line.dataset.messageId)) return;
      replies.set(line.dataset.messageId, { cost: units(line.dataset.costUsd), tokens: BigInt(line.dataset.tokens || "0") });
    });
    let cost = units(box.dataset.baseCostUsd || "0");
    let tokens = BigInt(box.dataset.baseTokens || "0");
    replies.forEach((reply) => { cost += reply.cost; tokens += reply.tokens; });
    box.querySelector("[data-running-cost]").textContent = dollars(cost);
    box.querySelector("[data-running-tokens]").textContent = tokens.toString();
  }

  document.addEventListener("htmx:wsAfterMessage", update);
  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-cost-usd][data-message-id]").forEach((line) => {
      inBaseTotals.add(line.dataset.messageId);
    });
    update();
  });
})();

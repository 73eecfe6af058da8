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

  function dollars(value) {
    const digits = value.toString().padStart(SCALE + 1, "0");
    return `$${digits.slice(0, -SCALE)}.${digits.slice(-SCALE, -SCALE + 6)}`;
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

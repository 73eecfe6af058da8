// The conversation page's behaviour around htmx's ws extension: a fresh client_msg_id per
// send, Enter to send, the input locked while the client replies, the composer cleared only
// once the server has stored the turn (so nothing typed is lost on an error), and the move to
// the summary page when the session ends.
(function () {
  "use strict";

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  let pendingId = null;

  function elements() {
    return {
      section: document.querySelector(".conversation"),
      transcript: document.getElementById("transcript"),
      form: document.getElementById("composer-form"),
      text: document.getElementById("composer-text"),
      state: document.getElementById("reply-state"),
      error: document.getElementById("composer-error"),
    };
  }

  function sync() {
    const el = elements();
    if (!el.section) return;
    const state = el.state ? el.state.dataset.state : "idle";
    if (el.transcript) el.transcript.setAttribute("aria-busy", state === "streaming" ? "true" : "false");
    if (el.form) {
      el.form.querySelectorAll("textarea, button").forEach((node) => { node.disabled = state === "streaming"; });
    }
    if (pendingId && document.querySelector(`[data-client-msg-id="${pendingId}"]`)) {
      pendingId = null;
      if (el.text) el.text.value = "";
      if (el.error) el.error.textContent = "";
    }
    if (state === "ended") window.location.assign(el.section.dataset.completeUrl);
    if (el.transcript) el.transcript.lastElementChild?.scrollIntoView({ block: "end" });
  }

  document.addEventListener("htmx:wsConfigSend", (event) => {
    const form = event.detail.elt;
    if (form.id === "composer-form") {
      const text = (event.detail.parameters.content || "").trim();
      if (!text) { event.preventDefault(); return; }
      pendingId = newId();
      event.detail.parameters.client_msg_id = pendingId;
    }
  });

  document.addEventListener("submit", (event) => {
    const button = event.target.querySelector("[data-confirm]");
    if (button && !window.confirm(button.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  document.addEventListener("keydown", (event) => {
    if (event.target.id !== "composer-text" || event.key !== "Enter" || event.shiftKey || event.isComposing) return;
    event.preventDefault();
    elements().form.requestSubmit();
  });

  document.addEventListener("click", (event) => {
    if (!event.target.matches("[data-retry]")) return;
    htmx.trigger(document.getElementById("retry-form"), "submit");
  });

  document.addEventListener("htmx:wsAfterMessage", sync);
  document.addEventListener("DOMContentLoaded", sync);
})();

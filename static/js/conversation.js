// The conversation page's behaviour around htmx's ws extension: a fresh client_msg_id per
// send, Enter to send, the input locked while the client replies, the composer cleared only
// once the server has stored the turn (so nothing typed is lost on an error), the session timer,
// the end-session dialog, the connection state, and the move to the summary page when the
// session ends. No inline script or handler attributes: the page runs under a strict CSP.
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
  let connected = true;
  let leaving = false;
  let refocus = false; // the composer had focus when a reply locked it

  function elements() {
    return {
      section: document.querySelector(".conversation"),
      transcript: document.getElementById("transcript"),
      form: document.getElementById("composer-form"),
      text: document.getElementById("composer-text"),
      state: document.getElementById("reply-state"),
      error: document.getElementById("composer-error"),
      connection: document.getElementById("connection"),
    };
  }

  function replyState() {
    const state = document.getElementById("reply-state");
    return state ? state.dataset.state : "idle";
  }

  function sync() {
    const el = elements();
    if (!el.section) return;
    const state = replyState();
    const streaming = state === "streaming";
    if (el.transcript) el.transcript.setAttribute("aria-busy", streaming ? "true" : "false");
    if (el.form) {
      if (streaming && document.activeElement === el.text) refocus = true;
      el.form.querySelectorAll("button").forEach((node) => { node.disabled = streaming || !connected; });
      if (el.text) el.text.disabled = streaming;
      if (!streaming && refocus && el.text) { refocus = false; el.text.focus(); }
    }
    if (pendingId && document.querySelector(`[data-client-msg-id="${pendingId}"]`)) {
      pendingId = null;
      if (el.text) el.text.value = "";
      if (el.error) el.error.textContent = "";
    }
    if (state === "ended" && !leaving) {
      leaving = true;
      window.location.assign(el.section.dataset.completeUrl);
    }
  }

  function scrollToEnd() {
    const transcript = document.getElementById("transcript");
    const last = transcript && transcript.lastElementChild;
    if (last) last.scrollIntoView({ block: "nearest" });
  }

  // --- Sending -------------------------------------------------------------------------------

  document.addEventListener("htmx:wsConfigSend", (event) => {
    const form = event.detail.elt;
    if (form.id !== "composer-form") return;
    const text = (event.detail.parameters.content || "").trim();
    if (!text || replyState() === "streaming") { event.preventDefault(); return; }
    pendingId = newId();
    event.detail.parameters.client_msg_id = pendingId;
  });

  document.addEventListener("keydown", (event) => {
    if (event.target.id !== "composer-text" || event.key !== "Enter" || event.shiftKey || event.isComposing) return;
    event.preventDefault();
    if (replyState() === "streaming" || !connected) return;
    elements().form.requestSubmit();
  });

  document.addEventListener("click", (event) => {
    if (!event.target.matches("[data-retry]")) return;
    event.target.disabled = true;
    htmx.trigger(document.getElementById("retry-form"), "submit");
  });

  // --- Ending: a real dialog, then the ordinary POST (works without the socket) -------------

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-confirm-dialog]");
    if (!button) return;
    const dialog = document.getElementById(button.dataset.confirmDialog);
    if (!dialog || typeof dialog.showModal !== "function") return; // no dialog: plain submit
    event.preventDefault();
    dialog.returnValue = "";
    dialog.showModal();
  });

  document.addEventListener("close", (event) => {
    if (event.target.id !== "end-dialog") return;
    if (event.target.returnValue === "end") {
      leaving = true;
      document.getElementById("end-form").submit();
    } else {
      document.querySelector("[data-confirm-dialog]")?.focus();
    }
  }, true);

  // --- The socket's state --------------------------------------------------------------------

  function showConnection(text) {
    const node = document.getElementById("connection");
    if (!node) return;
    node.textContent = text;
    node.hidden = !text;
  }

  document.addEventListener("htmx:wsClose", () => {
    if (leaving) return;
    connected = false;
    showConnection("Connection lost. Reconnecting… Nothing you have sent is lost.");
    sync();
  });

  document.addEventListener("htmx:wsOpen", () => {
    const wasDown = !connected;
    connected = true;
    showConnection("");
    if (wasDown) {
      const node = document.getElementById("time-announcer");
      if (node) node.textContent = "Reconnected.";
    }
    sync();
  });

  document.addEventListener("htmx:wsAfterMessage", (event) => {
    const message = String(event.detail.message || "");
    if (message.includes('id="transcript"')) {
      // The whole history (on every connect): a reply still streaming shows as such.
      const streaming = document.querySelector("#transcript .msg-streaming .typing");
      const state = document.getElementById("reply-state");
      if (state && state.dataset.state !== "ended") state.dataset.state = streaming ? "streaming" : "idle";
    }
    sync();
    scrollToEnd();
  });

  // --- The timer: elapsed, or a countdown; read out only at a few moments -------------------

  function formatSeconds(total) {
    const seconds = Math.max(0, Math.floor(total));
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const s = String(seconds % 60).padStart(2, "0");
    return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
  }

  function startTimer() {
    const timer = document.getElementById("timer");
    const value = document.getElementById("timer-value");
    if (!timer || !value) return;
    const loadedAt = performance.now();
    const elapsedAtLoad = Number(timer.dataset.elapsed || 0);
    const limit = Number(timer.dataset.limit || 0);
    const announced = new Set();
    const announce = (text) => {
      const node = document.getElementById("time-announcer");
      if (node) node.textContent = text;
    };
    function tick() {
      const elapsed = elapsedAtLoad + (performance.now() - loadedAt) / 1000;
      if (!limit) {
        value.textContent = formatSeconds(elapsed);
        return;
      }
      const left = limit - elapsed;
      value.textContent = formatSeconds(left);
      timer.classList.toggle("timer-low", left <= 300);
      for (const minutes of [5, 1]) {
        if (left <= minutes * 60 && left > 0 && !announced.has(minutes) && limit > minutes * 60) {
          announced.add(minutes);
          announce(minutes === 1 ? "One minute left in this session." : `${minutes} minutes left in this session.`);
        }
      }
      if (left <= 0 && !announced.has(0) && replyState() !== "ended") {
        announced.add(0);
        announce("Time is up. The session is ending.");
        // The server refuses turns after the limit; ending here takes the student on.
        if (document.getElementById("composer-form")) {
          leaving = true;
          document.getElementById("end-form").submit();
        }
      }
    }
    tick();
    window.setInterval(tick, 1000);
  }

  document.addEventListener("DOMContentLoaded", () => {
    sync();
    startTimer();
    scrollToEnd();
  });
})();

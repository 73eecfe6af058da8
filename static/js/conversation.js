// The conversation page's behaviour around htmx's ws extension: a fresh client_msg_id per
// send, Enter to send, the input locked while the client replies, the composer cleared only
// once the server has stored the turn (so nothing typed is lost on an error), the session timer,
// the end-session dialog, the connection state (and reconnecting), keeping the newest message in
// view above the reply form, and the move to the summary page when the session ends. No inline
// script or handler attributes: the page runs under a strict CSP.
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
  // Send waits for the socket: a turn typed before it opened would go nowhere.
  let connected = false;
  let everConnected = false;
  let leaving = false;
  let refocus = false; // the composer had focus when a reply locked it
  let following = true; // the reader is at the newest message: keep them there
  let ownRetries = 0;
  let socket = null; // the open socket, from htmx:wsOpen

  // The socket's closes the ws extension retries itself; other closes (a server restarting says
  // 1001 or 1000) we retry, except the server's refusals (not logged in, not yours, no session).
  const RETRIED_BY_HTMX = new Set([1006, 1011, 1012, 1013]);
  const REFUSED = new Set([4401, 4403, 4404]);
  const MAX_RETRY_DELAY_MS = 5000;
  // Within this many pixels of the end of the page, the reader is following the conversation.
  const FOLLOW_SLACK_PX = 48;

  // Short, jittered waits between attempts: a student should not wait a minute after a blip.
  htmx.config.wsReconnectDelay = (retries) =>
    Math.min(500 * 2 ** retries, MAX_RETRY_DELAY_MS) * (0.5 + Math.random() / 2);

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

  // --- Keeping the newest message in view ---------------------------------------------------
  // The reply form sticks to the bottom of the window; scrolling to the end of the page puts it
  // in its own place below the transcript, so the newest message ends above it. A reader who has
  // scrolled up to read is left there, with a "New message" button instead.

  function atEnd() {
    const page = document.documentElement;
    return page.scrollHeight - (window.scrollY + window.innerHeight) <= FOLLOW_SLACK_PX;
  }

  function newMessageButton() {
    return document.getElementById("new-message");
  }

  function scrollToEnd() {
    window.scrollTo({ top: document.documentElement.scrollHeight, behavior: "instant" });
    following = true;
    const button = newMessageButton();
    if (button) button.hidden = true;
  }

  function offerNewMessage() {
    const button = newMessageButton();
    if (button) button.hidden = false;
  }

  document.addEventListener("scroll", () => {
    if (!atEnd()) return;
    following = true;
    const button = newMessageButton();
    if (button) button.hidden = true;
  }, { passive: true });

  document.addEventListener("click", (event) => {
    if (event.target.id !== "new-message") return;
    scrollToEnd();
    // From the keyboard, focus goes on to the reply box (the button is gone); a tap leaves the
    // phone's keyboard closed.
    const text = document.getElementById("composer-text");
    if (event.detail === 0 && text && !text.disabled) text.focus();
  });

  // --- Sending -------------------------------------------------------------------------------

  document.addEventListener("htmx:wsConfigSend", (event) => {
    const form = event.detail.elt;
    if (form.id !== "composer-form") return;
    const text = (event.detail.parameters.content || "").trim();
    if (!text || replyState() === "streaming") { event.preventDefault(); return; }
    pendingId = newId();
    event.detail.parameters.client_msg_id = pendingId;
    scrollToEnd(); // the student's own turn always brings them to the end
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

  function connectionLost() {
    if (leaving) return;
    connected = false;
    showConnection("Reconnecting… Your connection dropped. What you typed is kept, and nothing you have sent is lost.");
    sync();
  }

  document.addEventListener("htmx:wsClose", (event) => {
    if (leaving) return;
    const code = event.detail.event ? event.detail.event.code : 1006;
    if (REFUSED.has(code)) {
      connected = false;
      showConnection("This conversation can no longer be reached from this page. Reload the page; you may need to log in again.");
      sync();
      return;
    }
    connectionLost();
    if (!RETRIED_BY_HTMX.has(code) && event.detail.socketWrapper) {
      const wrapper = event.detail.socketWrapper;
      const delay = htmx.config.wsReconnectDelay(ownRetries);
      ownRetries += 1;
      window.setTimeout(() => { if (!leaving && !connected) wrapper.reconnect(); }, delay);
    }
  });

  // The browser knows it is offline before the socket does: say so at once. Back online, a
  // socket that stayed open carries on; a closed one is being retried and will say when it is.
  window.addEventListener("offline", connectionLost);
  window.addEventListener("online", () => {
    if (socket && socket.readyState === WebSocket.OPEN) socketOpened();
  });
  window.addEventListener("pagehide", () => { leaving = true; });

  document.addEventListener("htmx:wsOpen", (event) => {
    socket = event.detail.event ? event.detail.event.target : null;
    if (navigator.onLine) socketOpened();
  });

  function socketOpened() {
    const wasDown = everConnected && !connected;
    connected = true;
    everConnected = true;
    ownRetries = 0;
    showConnection("");
    if (wasDown) {
      const node = document.getElementById("time-announcer");
      if (node) node.textContent = "Reconnected.";
    }
    sync();
  }

  document.addEventListener("htmx:wsBeforeMessage", () => {
    following = following && atEnd();
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
    if (following) scrollToEnd();
    else if (message.includes("msg-")) offerNewMessage();
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

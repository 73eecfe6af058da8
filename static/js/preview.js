// The preview page: send the sample opening line once the socket is open (with a fixed
// client_msg_id, so a reconnect never stores it twice), then end the preview session when the
// reply is complete so that a later test conversation starts afresh.
(function () {
  "use strict";

  let sent = false;
  let ended = false;

  function el(id) { return document.getElementById(id); }

  function say(text) {
    const status = el("preview-status");
    if (status) status.textContent = text;
  }

  document.addEventListener("htmx:wsOpen", () => {
    const form = el("preview-form");
    const transcript = el("transcript");
    if (!form || sent || ended || (transcript && transcript.querySelector(".msg-student"))) return;
    sent = true;
    htmx.trigger(form, "submit");
  });

  document.addEventListener("htmx:wsConfigSend", (event) => {
    const form = event.detail.elt;
    if (form.id === "preview-form") event.detail.parameters.client_msg_id = form.dataset.clientMsgId;
  });

  function finish() {
    const section = document.querySelector(".preview-run");
    if (ended || !section) return;
    ended = true;
    fetch(section.dataset.endUrl, {
      method: "POST",
      headers: { "X-CSRFToken": el("preview-csrf").value },
      credentials: "same-origin",
    });
  }

  document.addEventListener("htmx:wsAfterMessage", () => {
    const transcript = el("transcript");
    const state = el("reply-state");
    if (!transcript || !state || state.dataset.state !== "idle") return;
    if (transcript.querySelector(".msg-client.msg-complete:not(.msg-opening)")) {
      say("Preview finished. Tokens and cost are under the reply.");
      finish();
    } else if (transcript.querySelector(".msg-client.msg-failed")) {
      say("The reply failed. Run another preview to try again.");
      finish();
    }
  });
})();

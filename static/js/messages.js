// Copy a message's text: one button per message, on the live conversation and on the record of
// an ended session. The clipboard API needs a secure context (https, or localhost); elsewhere the
// text is selected and copied the old way. No inline script: the page runs under a strict CSP.
(function () {
  "use strict";

  function copyBySelection(node) {
    const selection = window.getSelection();
    const range = document.createRange();
    range.selectNodeContents(node);
    selection.removeAllRanges();
    selection.addRange(range);
    const copied = document.execCommand && document.execCommand("copy");
    selection.removeAllRanges();
    return Promise.resolve(Boolean(copied));
  }

  function copyText(node) {
    const text = node.textContent.trim();
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).then(() => true, () => copyBySelection(node));
    }
    return copyBySelection(node);
  }

  // The button says "Copied" until the reader moves on (focus leaves it), however slow they are.
  function showResult(button, copied) {
    const label = button.querySelector("[data-copy-label]");
    if (!label) return;
    label.textContent = copied ? "Copied" : "Select the text to copy it";
    button.classList.toggle("copied", copied);
    button.addEventListener("blur", () => {
      label.textContent = "Copy";
      button.classList.remove("copied");
    }, { once: true });
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-copy]");
    if (!button) return;
    const text = button.closest(".msg")?.querySelector(".msg-text");
    if (!text) return;
    copyText(text).then((copied) => showResult(button, copied));
  });
})();

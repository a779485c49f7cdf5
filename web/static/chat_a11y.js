() => {
  /* The web chat, for screen readers (run once by Gradio when the page loads; see app.create_app).
   * Gradio's conversation is a polite live log, so every streamed word would be read out. Here: the log
   * stays role=log but is not live; it is aria-busy while an answer is on its way and a status line says so;
   * a finished answer (.tc-answer) or a message that ends the turn (.tc-said) is announced once, whole. */
  const live = document.createElement("div");
  live.id = "tc-live"; live.className = "tc-sr";
  live.setAttribute("role", "status"); live.setAttribute("aria-live", "polite");
  document.body.appendChild(live);
  let said = 0, busy = false;
  const update = () => {
    const chat = document.getElementById("tc-chat");
    const log = chat && chat.querySelector("[role=log]");
    if (!log) return;
    if (log.getAttribute("aria-live") !== "off") log.setAttribute("aria-live", "off");
    const now = !!chat.querySelector(".tc-thinking, .tc-stream");
    if (now !== busy) {
      busy = now;
      log.setAttribute("aria-busy", String(now));
      if (now) live.textContent = "The assistant is answering…";
    }
    const finals = chat.querySelectorAll(".tc-answer, .tc-said");
    if (finals.length > said && !busy) live.textContent = finals[finals.length - 1].innerText;
    said = finals.length;  // fewer after "New chat": start counting again
  };
  new MutationObserver(update).observe(document.body, {childList: true, subtree: true, characterData: true});
  update();
}

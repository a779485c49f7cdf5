/*! trialchat partner widget: answers questions about clinical trials, citing the study record.
 * <script src="https://HOST/widget.js" data-study="NCT02633163" async></script>
 * Options: data-study / data-studies="NCT1,NCT2", data-title, data-color, data-position="left".
 * No framework and no HTML parsing of data: every piece of text is set with textContent. */
(function () {
  "use strict";
  var script = document.currentScript ||
    document.querySelector('script[src*="widget.js"][data-study],script[src*="widget.js"][data-studies]');
  if (!script || window.__trialchatWidget) return;
  window.__trialchatWidget = true;

  var base = new URL(script.src, location.href).origin;
  var attr = function (n) { return (script.getAttribute("data-" + n) || "").trim(); };
  var wanted = (attr("studies") || attr("study")).split(",").map(function (s) { return s.trim(); })
    .filter(Boolean);
  var title = attr("title") || (wanted.length > 1 ? "Questions about these studies?" : "Questions about this study?");
  var color = attr("color");
  if (!color || !(window.CSS && CSS.supports("color", color))) color = "#0b5cad";
  var left = attr("position") === "left";

  // Readable on any partner colour: text on it is white or near-black, whichever contrasts more (WCAG 4.5:1),
  // and links on white use the colour only when it is dark enough.
  var onColor = contrast(color, "#fff") >= 4.5 ? "#fff" : "#1b1b1b";
  var linkColor = contrast(color, "#fff") >= 4.5 ? color : "#1b1b1b";

  var CSS_TEXT = [
    ":host{all:initial}",
    "*{box-sizing:border-box;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}",
    ".sr{position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);border:0}",
    ".btn{position:fixed;bottom:20px;" + (left ? "left" : "right") + ":20px;z-index:2147483000;border:0;",
    "border-radius:28px;padding:14px 20px;min-height:48px;background:var(--c);color:var(--on);font-size:15px;",
    "font-weight:600;box-shadow:0 4px 14px rgba(0,0,0,.25);cursor:pointer}",
    ".panel{position:fixed;bottom:84px;" + (left ? "left" : "right") + ":20px;z-index:2147483000;",
    "width:min(380px,calc(100vw - 24px));height:min(560px,calc(100vh - 110px));display:flex;",
    "flex-direction:column;background:#fff;color:#1b1b1b;border-radius:12px;overflow:hidden;",
    "box-shadow:0 8px 30px rgba(0,0,0,.3);font-size:14px;line-height:1.4;animation:tc-in .18s ease-out}",
    "@keyframes tc-in{from{opacity:0;transform:translateY(8px)}to{opacity:1;transform:none}}",
    ".panel[hidden]{display:none}",
    ".head{background:var(--c);color:var(--on);padding:4px 4px 4px 12px;display:flex;gap:8px;align-items:flex-start}",
    ".head h2{font-size:15px;margin:0;padding-top:8px;flex:1;min-width:0}.head small{display:-webkit-box;",
    "-webkit-line-clamp:2;-webkit-box-orient:vertical;overflow:hidden;font-weight:400;margin-top:2px}",
    ".x{background:none;border:0;color:var(--on);font-size:24px;cursor:pointer;line-height:1;width:44px;height:44px;",
    "border-radius:6px;flex:none}",
    "select{margin:8px 12px 0;padding:4px 8px;min-height:44px;font-size:14px;color:#1b1b1b;background:#fff;",
    "border:1px solid #767676;border-radius:6px}",
    ".log{flex:1;overflow-y:auto;padding:10px 12px;display:flex;flex-direction:column;gap:8px}",
    ".msg{padding:8px 10px;border-radius:10px;max-width:92%;white-space:pre-wrap;overflow-wrap:anywhere}",
    ".me{align-self:flex-end;background:#e8eef7}.bot{align-self:flex-start;background:#f4f4f4}",
    ".err{background:#fdecea;color:#8a1c12}.status{color:#4a4a4a;font-style:italic;font-size:13px}",
    ".status::after{content:'';display:inline-block;width:6px;height:6px;margin-left:6px;border-radius:50%;",
    "background:currentColor;animation:tc-pulse 1s infinite alternate}",
    "@keyframes tc-pulse{from{opacity:.2}to{opacity:1}}",
    "ol{margin:8px 0 0;padding-left:22px;font-size:13px;white-space:normal}li{margin-bottom:2px}",
    "summary{cursor:pointer;min-height:44px;display:flex;align-items:center;gap:4px;border-radius:4px}",
    "summary::-webkit-details-marker{display:none}summary::before{content:'\\25B8';flex:none}",
    "details[open]>summary::before{content:'\\25BE'}",
    ".src{font-weight:600}q{display:block;color:#1b1b1b;background:#fff6c9;padding:2px 4px;margin:2px 0}",
    "a{color:var(--link)}li a{display:inline-flex;align-items:center;min-height:44px;padding:0 2px}",
    ".note{margin:0;padding:6px 12px;font-size:12px;color:#4a4a4a;border-top:1px solid #eee}",
    ".hint{margin:0;padding:4px 12px 0;font-size:13px;color:#8a1c12}.hint:empty{display:none}",
    "form{display:flex;gap:6px;padding:8px 12px;border-top:1px solid #eee}",
    "textarea{flex:1;resize:none;min-height:44px;height:44px;padding:10px 8px;font-size:16px;color:#1b1b1b;",
    "border:1px solid #767676;border-radius:6px}textarea[aria-invalid=true]{border:2px solid #8a1c12}",
    "form button{background:var(--c);color:var(--on);border:0;border-radius:6px;padding:0 14px;min-width:64px;",
    "min-height:44px;font-size:15px;cursor:pointer}",
    "form button:disabled{opacity:.5;cursor:default}",
    // last, so it wins over each control's own shadow: a two-tone ring, visible on the partner's page, on
    // white and on the partner colour alike (the transparent outline shows in forced-colours mode)
    ":focus{outline:none}:focus-visible{outline:3px solid transparent!important;",
    "box-shadow:0 0 0 3px #fff,0 0 0 6px #1b1b1b!important}",
    // people who ask for less motion get none: no panel slide, no pulsing dot, no smooth scrolling
    "@media (prefers-reduced-motion: reduce){*,::after{animation:none!important;transition:none!important;",
    "scroll-behavior:auto!important}}"
  ].join("");

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = String(text);
    return e;
  }
  // WCAG contrast ratio of two CSS colours (the browser parses them: names, hex, rgb()...)
  function rgb(c) {
    var probe = document.createElement("span");
    probe.style.color = c; probe.style.display = "none";
    (document.body || document.documentElement).appendChild(probe);
    var m = getComputedStyle(probe).color.match(/\d+(\.\d+)?/g) || [0, 0, 0];
    probe.remove();
    return m.slice(0, 3).map(Number);
  }
  function luminance(c) {
    var v = rgb(c).map(function (x) { x /= 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); });
    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2];
  }
  function contrast(a, b) {
    var la = luminance(a), lb = luminance(b);
    return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
  }
  function safeUrl(u) {
    try { var p = new URL(String(u)); return /^https?:$/.test(p.protocol) ? p.href : null; } catch (e) { return null; }
  }
  // A failed request → what the visitor reads in the panel, and the reason for the partner's console.
  // Without CORS headers on an answer the browser shows us nothing but a TypeError ("Failed to fetch"):
  // the server adds them to its refusals (403, 413, 429) so those can be told apart from "down".
  function failure(r, body) {
    var e = new Error(body && body.error && typeof body.error.message === "string" ? body.error.message : "");
    e.status = r.status;
    e.retry = parseInt(r.headers.get("Retry-After"), 10) || 0;
    return e;
  }
  function explain(e) {
    var why = e && e.message || String(e);
    if (e && e.status === 403) return ["This assistant isn't available on this website.",
      "this site (" + location.origin + ") is not allowed by the server at " + base + ": " + why];
    if (e && e.status === 429) return [why || "Too many questions. Please wait a minute and try again.",
      "rate limited (429): retry after " + e.retry + " s"];
    if (e && e.status) return [why || "The assistant could not answer (error " + e.status + ").", "HTTP " + e.status + ": " + why];
    if (e && e.shown) return [why, why];
    return ["The assistant can't be reached right now. Please try again later.",
      "could not reach the trialchat server at " + base + " (" + why + "). Is it running, and is the script's src right?"];
  }
  function report(level, reason) { if (window.console) console[level]("[trialchat] " + reason); }
  function getJSON(r) {
    return r.json().catch(function () { return null; }).then(function (b) { if (!r.ok) throw failure(r, b); return b; });
  }

  var q = wanted.map(function (s) { return "study=" + encodeURIComponent(s); }).join("&");
  fetch(base + "/api/widget/config" + (q ? "?" + q : ""), { mode: "cors", credentials: "omit" })
    .then(getJSON)
    .then(function (cfg) {
      if (wanted.length && !(cfg.studies || []).length) {
        report("error", "unknown studies: " + wanted.join(", ") + " (check data-study: the server does not have them)");
        return mount(cfg, "This study isn't available in the assistant.");
      }
      mount(cfg, null);
    }, function (e) {
      var x = explain(e);
      report("error", "widget cannot start: " + x[1]);
      mount({ studies: [] }, x[0]);
    });

  function mount(cfg, problem) {
    var studies = cfg.studies || [];
    var host = el("aside");  // a landmark of its own on the partner's page (screen readers list it)
    host.setAttribute("aria-label", "Study questions assistant");
    host.setAttribute("data-trialchat", "");
    var root = host.attachShadow({ mode: "open" });
    root.appendChild(el("style", null, CSS_TEXT));
    host.style.setProperty("--c", color);
    host.style.setProperty("--on", onColor);
    host.style.setProperty("--link", linkColor);

    var btn = el("button", "btn", "Ask about this study");
    if ((studies.length || wanted.length) !== 1) btn.textContent = "Ask about the studies";
    btn.setAttribute("aria-expanded", "false");
    btn.setAttribute("aria-controls", "tc-panel");
    var panel = el("div", "panel");
    panel.id = "tc-panel";
    panel.hidden = true;
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-label", title);

    var head = el("div", "head");
    var h = el("h2", null, title);
    var sub = el("small");
    h.appendChild(sub);
    var close = el("button", "x", "\u00d7");
    close.setAttribute("aria-label", "Close");
    head.appendChild(h); head.appendChild(close);
    panel.appendChild(head);

    var current = studies.length ? studies[0].study_id : null;
    var select = null;
    function showSub() {
      var s = studies.filter(function (x) { return x.study_id === current; })[0];
      // (a short name the title already says is not said twice: "PatientSpot Formerly Known as ArthritisPower")
      var shortName = s && s.acronym && s.title.indexOf(s.acronym) === -1 ? " \u00b7 " + s.acronym : "";
      sub.textContent = s ? s.study_id + shortName + " \u00b7 " + s.title : "";
    }
    if (studies.length > 1) {
      select = el("select");
      select.setAttribute("aria-label", "Study");
      studies.forEach(function (s) {
        var o = el("option", null, s.study_id + " \u00b7 " + (s.acronym || s.title));
        o.value = s.study_id;
        select.appendChild(o);
      });
      panel.appendChild(select);
    }
    showSub();

    // The transcript is a log (polite: a screen reader reads each new message once). Streamed words are
    // hidden from it while they arrive; the finished answer is added as one new node, so it is read once.
    var log = el("div", "log");
    log.setAttribute("role", "log");
    log.setAttribute("aria-label", "Conversation");
    panel.appendChild(log);
    var busyNote = el("div", "sr");  // "answering…" / "" for screen readers: the busy state, said once
    busyNote.setAttribute("role", "status");
    panel.appendChild(busyNote);
    panel.appendChild(el("p", "note", cfg.notice || "Information, not medical advice."));
    var maxChars = cfg.max_question_chars || 2000;
    var hint = el("p", "hint");  // a question over the limit is kept and the limit said, never cut silently
    hint.id = "tc-hint";
    hint.setAttribute("role", "status");
    panel.appendChild(hint);
    var form = el("form");
    var input = el("textarea");
    input.placeholder = "Ask a question\u2026";
    input.setAttribute("aria-label", "Your question");
    input.setAttribute("aria-describedby", "tc-hint");
    var send = el("button", null, "Send");
    send.type = "submit";
    form.appendChild(input); form.appendChild(send);
    panel.appendChild(form);
    root.appendChild(btn); root.appendChild(panel);
    document.body.appendChild(host);

    var history = [];
    var busy = false;
    if (problem) {  // the panel opens on the reason; nothing can be asked
      var note = el("div", "msg bot err", problem);
      note.setAttribute("role", "alert");
      log.appendChild(note);
      input.disabled = send.disabled = busy = true;
    }
    function toggle(open) {
      panel.hidden = !open;
      btn.setAttribute("aria-expanded", String(open));
      if (open) input.focus();
    }
    btn.addEventListener("click", function () { toggle(panel.hidden); });
    close.addEventListener("click", function () { toggle(false); btn.focus(); });
    panel.addEventListener("keydown", function (e) { if (e.key === "Escape") { toggle(false); btn.focus(); } });
    if (select) select.addEventListener("change", function () {
      current = select.value; history = []; log.textContent = ""; showSub();
    });
    function tooLong() {
      var n = input.value.trim().length, over = n > maxChars;
      input.setAttribute("aria-invalid", String(over));
      hint.textContent = over ? "Your question is " + n.toLocaleString("en") + " characters long; the limit is " +
        maxChars.toLocaleString("en") + ". Please shorten it." : "";
      return over;
    }
    input.addEventListener("input", function () { if (hint.textContent) tooLong(); });
    input.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit ? form.requestSubmit() : ask(); }
    });
    form.addEventListener("submit", function (e) { e.preventDefault(); ask(); });

    // Keep the newest exchange in view: all of it when it fits, else from the question down (a long
    // answer with its sources is read from its start, not its last source).
    function scroll(mine) {
      var fromQuestion = mine ? mine.getBoundingClientRect().top - log.getBoundingClientRect().top + log.scrollTop - 8 : 0;
      log.scrollTop = mine && log.scrollHeight - fromQuestion > log.clientHeight ? fromQuestion : log.scrollHeight;
    }

    function ask() {
      var question = input.value.trim();
      if (!question || busy) return;
      if (tooLong()) { input.focus(); return; }
      busy = true; send.disabled = true; input.value = "";
      var mine = el("div", "msg me", question);
      log.appendChild(mine);
      var bubble = el("div", "msg bot");
      bubble.setAttribute("aria-busy", "true");
      busyNote.textContent = "The assistant is answering\u2026";
      var status = el("div", "status", "Searching the study record\u2026");
      var text = el("div", "text");
      text.setAttribute("aria-hidden", "true");  // the words as they stream: shown, not read out
      bubble.appendChild(status); bubble.appendChild(text);
      log.appendChild(bubble); scroll(mine);
      var body = { question: question, history: history.slice(-12) };
      if (current) body.study_id = current;
      var streamed = "", done = false;
      var wait = 0;
      fetch(base + "/api/ask/stream", {
        method: "POST", mode: "cors", credentials: "omit",
        headers: { "Content-Type": "application/json" }, body: JSON.stringify(body)
      }).then(function (r) {
        if (!r.ok) return getJSON(r);
        return readEvents(r, function (type, data) {
          if (type === "sources") {
            var n = (data.sources || []).length;
            status.textContent = n ? "Reading " + n + " passage" + (n === 1 ? "" : "s") + " of the record\u2026" : "Writing\u2026";
          } else if (type === "token") {
            streamed += data.text || ""; text.textContent = streamed; scroll(mine);
          } else if (type === "answer") {
            done = true;
            finish(bubble, status, text, data.answer || {}, question);
          } else if (type === "error") {
            throw shown(data.message || "The assistant could not answer.");
          }
        }).then(function () { if (!done) throw shown("The answer was cut off. Please try again."); },
                function (e) { throw e && e.shown ? e : shown("The answer was cut off. Please try again."); });
      }).catch(function (e) {
        var x = explain(e);
        report(e && e.status === 429 ? "warn" : "error", "question not answered: " + x[1]);
        bubble.className = "msg bot err";
        status.remove(); text.remove();
        var said = el("div", "text", x[0]);
        said.setAttribute("role", "alert");
        bubble.appendChild(said);
        wait = e && e.status === 429 ? e.retry : 0;
      }).then(function () {
        bubble.setAttribute("aria-busy", "false"); busyNote.textContent = ""; scroll(mine);
        setTimeout(function () { busy = false; send.disabled = false; }, wait * 1000);  // 429: Send waits
      });
    }

    function shown(message) { var e = new Error(message); e.shown = true; return e; }

    function finish(bubble, status, text, answer, question) {
      status.remove(); text.remove();
      var final = el("div", "text", answer.text || "");
      final.setAttribute("data-final", "");
      bubble.appendChild(final);
      // one list item per source number ("[2]" cited by two sentences is one source, with both quotes)
      var groups = [], byN = {};
      (answer.citations || []).forEach(function (c) {
        if (!byN[c.n]) { byN[c.n] = { n: c.n, first: c, quotes: [] }; groups.push(byN[c.n]); }
        if (byN[c.n].quotes.indexOf(c.quote) < 0) byN[c.n].quotes.push(c.quote);
      });
      if (groups.length) {
        var ol = el("ol");
        ol.setAttribute("aria-label", "Sources");
        groups.forEach(function (g) {
          var c = g.first, li = el("li"), box = el("details"), sum = el("summary");
          li.value = g.n;
          // a label for people ("NCT02633163 · Design › Masking", "Glossary › Double-blind"), never a field path;
          // the quoted words open under it (a disclosure: Tab reaches it, Enter opens it)
          sum.appendChild(el("span", "src", c.display_label || (c.study_id + " \u00b7 " + c.field_label)));
          box.appendChild(sum);
          g.quotes.forEach(function (quote) { box.appendChild(el("q", null, quote)); });
          var href = safeUrl(c.source_url);
          if (href) {
            var a = el("a", null, "Study record \u2197");
            a.href = href; a.target = "_blank"; a.rel = "noopener noreferrer";
            a.setAttribute("aria-label", "Study record (opens in a new tab)");
            box.appendChild(a);
          }
          li.appendChild(box);
          ol.appendChild(li);
        });
        bubble.appendChild(ol);
      }
      history.push({ role: "user", content: question }, { role: "assistant", content: answer.text || "" });
    }
  }

  function readEvents(response, onEvent) {
    var reader = response.body.getReader();
    var decoder = new TextDecoder();
    var buf = "";
    function handle(block) {
      var type = "message", data = "";
      block.split("\n").forEach(function (line) {
        if (line.indexOf("event:") === 0) type = line.slice(6).trim();
        else if (line.indexOf("data:") === 0) data += line.slice(5).replace(/^ /, "");
      });
      if (data) onEvent(type, JSON.parse(data));
    }
    function pump() {
      return reader.read().then(function (r) {
        buf += decoder.decode(r.value || new Uint8Array(), { stream: !r.done }).replace(/\r\n?/g, "\n");
        var i;
        while ((i = buf.indexOf("\n\n")) >= 0) { handle(buf.slice(0, i)); buf = buf.slice(i + 2); }
        if (r.done) { if (buf.trim()) handle(buf); return; }
        return pump();
      });
    }
    return pump();
  }
})();

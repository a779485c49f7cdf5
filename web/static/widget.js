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

  var CSS_TEXT = [
    ":host{all:initial}",
    "*{box-sizing:border-box;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}",
    ".btn{position:fixed;bottom:20px;" + (left ? "left" : "right") + ":20px;z-index:2147483000;border:0;",
    "border-radius:28px;padding:14px 20px;background:var(--c);color:#fff;font-size:15px;font-weight:600;",
    "box-shadow:0 4px 14px rgba(0,0,0,.25);cursor:pointer}",
    ".panel{position:fixed;bottom:84px;" + (left ? "left" : "right") + ":20px;z-index:2147483000;",
    "width:min(380px,calc(100vw - 24px));height:min(560px,calc(100vh - 110px));display:flex;",
    "flex-direction:column;background:#fff;color:#1b1b1b;border-radius:12px;overflow:hidden;",
    "box-shadow:0 8px 30px rgba(0,0,0,.3);font-size:14px;line-height:1.4}",
    ".panel[hidden]{display:none}",
    ".head{background:var(--c);color:#fff;padding:10px 12px;display:flex;gap:8px;align-items:flex-start}",
    ".head h2{font-size:15px;margin:0;flex:1}.head small{display:-webkit-box;-webkit-line-clamp:2;",
    "-webkit-box-orient:vertical;overflow:hidden;font-weight:400;opacity:.9;margin-top:2px}",
    ".x{background:none;border:0;color:#fff;font-size:20px;cursor:pointer;line-height:1}",
    "select{margin:8px 12px 0;padding:4px;font-size:13px}",
    ".log{flex:1;overflow-y:auto;padding:10px 12px;display:flex;flex-direction:column;gap:8px}",
    ".msg{padding:8px 10px;border-radius:10px;max-width:92%;white-space:pre-wrap;overflow-wrap:anywhere}",
    ".me{align-self:flex-end;background:#e8eef7}.bot{align-self:flex-start;background:#f4f4f4}",
    ".err{background:#fdecea;color:#8a1c12}.status{color:#555;font-style:italic;font-size:12px}",
    "ol{margin:8px 0 0;padding-left:18px;font-size:12px;white-space:normal}li{margin-bottom:6px}",
    ".src{font-weight:600}q{display:block;color:#333;background:#fff6c9;padding:2px 4px;margin:2px 0}",
    "a{color:var(--c)}.note{margin:0;padding:6px 12px;font-size:11px;color:#555;border-top:1px solid #eee}",
    "form{display:flex;gap:6px;padding:8px 12px;border-top:1px solid #eee}",
    "textarea{flex:1;resize:none;height:40px;padding:6px;font-size:14px;border:1px solid #bbb;border-radius:6px}",
    "form button{background:var(--c);color:#fff;border:0;border-radius:6px;padding:0 12px;cursor:pointer}",
    "form button:disabled{opacity:.5;cursor:default}"
  ].join("");

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = String(text);
    return e;
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
    var host = el("div");
    host.setAttribute("data-trialchat", "");
    var root = host.attachShadow({ mode: "open" });
    root.appendChild(el("style", null, CSS_TEXT));
    host.style.setProperty("--c", color);

    var btn = el("button", "btn", "Ask about this study");
    if ((studies.length || wanted.length) !== 1) btn.textContent = "Ask about the studies";
    btn.setAttribute("aria-expanded", "false");
    var panel = el("div", "panel");
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
      sub.textContent = s ? s.study_id + (s.acronym ? " \u00b7 " + s.acronym : "") + " \u00b7 " + s.title : "";
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

    var log = el("div", "log");
    log.setAttribute("aria-live", "polite");
    panel.appendChild(log);
    panel.appendChild(el("p", "note", cfg.notice || "Information, not medical advice."));
    var form = el("form");
    var input = el("textarea");
    input.maxLength = cfg.max_question_chars || 2000;
    input.placeholder = "Ask a question\u2026";
    input.setAttribute("aria-label", "Your question");
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
      busy = true; send.disabled = true; input.value = "";
      var mine = el("div", "msg me", question);
      log.appendChild(mine);
      var bubble = el("div", "msg bot");
      bubble.setAttribute("aria-busy", "true");
      var status = el("div", "status", "Searching the study record\u2026");
      var text = el("div", "text");
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
        bubble.setAttribute("role", "alert");
        status.remove();
        text.textContent = x[0];
        wait = e && e.status === 429 ? e.retry : 0;
      }).then(function () {
        bubble.setAttribute("aria-busy", "false"); scroll(mine);
        setTimeout(function () { busy = false; send.disabled = false; }, wait * 1000);  // 429: Send waits
      });
    }

    function shown(message) { var e = new Error(message); e.shown = true; return e; }

    function finish(bubble, status, text, answer, question) {
      status.remove();
      text.textContent = answer.text || "";
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
          var c = g.first, li = el("li");
          li.value = g.n;
          // a label for people ("NCT02633163 · Design › Masking", "Glossary › Double-blind"), never a field path
          li.appendChild(el("span", "src", c.display_label || (c.study_id + " \u00b7 " + c.field_label)));
          g.quotes.forEach(function (quote) { li.appendChild(el("q", null, quote)); });
          var href = safeUrl(c.source_url);
          if (href) {
            var a = el("a", null, "Study record \u2197");
            a.href = href; a.target = "_blank"; a.rel = "noopener noreferrer";
            li.appendChild(a);
          }
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

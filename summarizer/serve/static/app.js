// The page's script: submit an article, poll its job, draw the result.
// Everything from the server (article, quotes, names, errors) is put in the page as text
// nodes (append/textContent), never parsed as HTML: an article is data.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const PARTS = {
    participants: { who: "name", what: ["role", "affiliation"], kind: "name" },
    absentees: { who: "name", what: ["role", "affiliation", "reason"], kind: "name" },
    appointments: { who: "person", what: ["position", "organization"], kind: "name" },
    key_quotes: { who: "speaker", what: [], kind: "quote" },
  };
  let current = null; // the job being polled

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v;
      else node.setAttribute(k, v);
    }
    for (const child of children) {
      if (child !== null && child !== undefined) node.append(child); // strings become text
    }
    return node;
  }
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  function showError(error) {
    const box = $("error");
    box.replaceChildren(el("div", {}, (error && error.message) || "Something went wrong."));
    if (error && error.hint) box.append(el("div", { class: "error-hint" }, "hint: " + error.hint));
    box.hidden = false;
  }
  function clearError() { $("error").hidden = true; $("error").replaceChildren(); }
  function setBusy(busy) {
    $("go").disabled = busy;
    $("progress").hidden = !busy;
  }

  async function submit(event) {
    event.preventDefault();
    clearError();
    const file = $("file").files[0];
    const schema = $("schema").value;
    const published = $("published").value;
    let response;
    try {
      if (file) {
        const query = new URLSearchParams({ schema, filename: file.name });
        if (published) query.set("published", published);
        response = await fetch("/api/jobs?" + query, {
          method: "POST", body: file,
          headers: { "Content-Type": file.type || "application/octet-stream" },
        });
      } else {
        const text = $("text").value;
        if (!text.trim()) { showError({ message: "Paste an article or choose a file." }); return; }
        response = await fetch("/api/jobs", {
          method: "POST", headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ text, schema, published: published || null }),
        });
      }
    } catch (e) {
      showError({ message: "The server cannot be reached (" + e + ")." });
      return;
    }
    const data = await response.json().catch(() => ({}));
    if (!response.ok) { showError(data.error || { message: "HTTP " + response.status }); return; }
    poll(data.id);
  }

  async function poll(id) {
    current = id;
    setBusy(true);
    $("step").textContent = "starting";
    $("elapsed").textContent = "";
    try {
      while (current === id) {
        const response = await fetch("/api/jobs/" + encodeURIComponent(id));
        const job = await response.json().catch(() => ({}));
        if (current !== id) break;
        if (!response.ok) { showError(job.error); break; }
        $("step").textContent = job.status === "queued"
          ? "waiting for the model" + (job.position ? ` (${job.position} ahead)` : "")
          : job.step;
        $("elapsed").textContent = job.elapsed_s.toFixed(1) + " s";
        if (job.status === "done") {
          showResult(job.result, job.article, "/api/jobs/" + encodeURIComponent(id) + "/download");
          break;
        }
        if (job.status === "failed") { showError(job.error); break; }
        if (job.status === "cancelled") { showError({ message: "Cancelled." }); break; }
        await sleep(300);
      }
    } catch (e) {
      showError({ message: "Lost the server (" + e + ")." });
    } finally {
      if (current === id) { current = null; setBusy(false); }
    }
  }

  async function cancel() {
    const id = current;
    if (!id) return;
    current = null;
    setBusy(false);
    showError({ message: "Cancelled." });
    await fetch("/api/jobs/" + encodeURIComponent(id), { method: "DELETE" }).catch(() => {});
  }

  // ---- drawing a result -------------------------------------------------------------

  const spanKey = (g) => g.start + ":" + g.end;

  function found(g) {
    if (!g) return null;
    if (g.status === "not_found" || g.start === null) {
      return el("span", { class: "found missing" }, "✗ not found in the article");
    }
    return el("span", { class: "found ok", title: "characters " + g.start + "–" + g.end },
      "✓ " + g.status + " [" + g.start + ":" + g.end + "]");
  }

  // An element for one field; `spans` are the groundings it points to in the article.
  function linked(node, spans, collected) {
    const keys = [];
    for (const [g, kind, label] of spans) {
      if (!g || g.start === null || g.start === undefined || g.end <= g.start) continue;
      collected.push({ start: g.start, end: g.end, kind, label });
      keys.push(spanKey(g));
    }
    if (keys.length) {
      node.dataset.spans = keys.join(" ");
      node.classList.add("item");
      node.tabIndex = 0;
    }
    return node;
  }

  function eventTable(ev, spans) {
    const loc = ev.location || {};
    const where = [loc.venue, loc.city, loc.country].filter(Boolean).join(", ") || "not stated";
    const ds = ev.date_evidence;
    const dateText = (ev.date || "not stated") + (ds ? ` (from “${ds.expression}”)` : "");
    const rows = [["title", ev.title], ["type", ev.type], ["date", dateText],
      ["where", where], ["summary", ev.summary]];
    const table = el("table", { class: "fields", id: "event" });
    for (const [key, value] of rows) {
      const row = el("tr", { "data-field": key }, el("th", {}, key), el("td", {}, value || ""));
      if (key === "date" && ds) linked(row, [[ds, "date", "event date"]], spans);
      table.append(row);
    }
    return table;
  }

  function partList(part, items, spans) {
    const spec = PARTS[part];
    const box = el("div", { class: "part", id: "part-" + part },
      el("h3", {}, part.replace("_", " ")));
    if (!items.length) { box.append(el("div", { class: "none" }, "none")); return box; }
    for (const item of items) {
      const row = el("div", {});
      const who = item[spec.who] || (part === "key_quotes" ? "unattributed" : "(unnamed)");
      row.append(el("span", { class: "who" }, who));
      const what = spec.what.map((k) => item[k]).filter(Boolean).join(" · ");
      if (what) row.append(" ", el("span", { class: "what" }, "— " + what));
      if (part === "key_quotes") {
        row.append(el("blockquote", {}, "“" + item.text + "”"));
        row.append(found(item.grounding));
        linked(row, [[item.grounding, "quote", "quote"],
          [item.speaker_grounding, "name", "speaker"]], spans);
      } else {
        row.append(found(item.grounding));
        linked(row, [[item.grounding, "name", part]], spans);
      }
      box.append(row);
    }
    return box;
  }

  // The article as text nodes, with a <mark> per grounded span. Spans inside another
  // (a name inside a quote) are nested; a span crossing another's edge is left unmarked.
  // Offsets count code points (Python's str), so the text is indexed as code points.
  function drawArticle(container, text, spans) {
    const chars = Array.from(text);
    const slice = (a, b) => chars.slice(a, b).join("");
    const unique = new Map();
    for (const s of spans) {
      if (s.end <= chars.length && !unique.has(s.start + ":" + s.end)) unique.set(s.start + ":" + s.end, s);
    }
    const sorted = [...unique.values()].sort((a, b) => a.start - b.start || b.end - a.end);
    function fill(parent, from, to, list) {
      let pos = from;
      let i = 0;
      while (i < list.length) {
        const s = list[i];
        if (s.start < pos) { i++; continue; }
        const inner = [];
        let j = i + 1;
        while (j < list.length && list[j].start < s.end) {
          if (list[j].end <= s.end) inner.push(list[j]);
          j++;
        }
        parent.append(slice(pos, s.start));
        const mark = el("mark", { class: s.kind, title: s.label, "data-span": s.start + ":" + s.end });
        fill(mark, s.start, s.end, inner);
        parent.append(mark);
        pos = s.end;
        i = j;
      }
      parent.append(slice(pos, to));
    }
    container.replaceChildren();
    fill(container, 0, chars.length, sorted);
  }

  function marksFor(node) {
    const keys = (node.dataset.spans || "").split(" ").filter(Boolean);
    return keys.map((k) => document.querySelector(`#article mark[data-span="${k}"]`)).filter(Boolean);
  }

  function wire(fields) {
    for (const node of fields.querySelectorAll("[data-spans]")) {
      node.addEventListener("mouseenter", () => marksFor(node).forEach((m) => m.classList.add("active")));
      node.addEventListener("mouseleave", () => marksFor(node).forEach((m) => m.classList.remove("active")));
      const jump = () => {
        const marks = marksFor(node);
        if (!marks.length) return;
        marks[0].scrollIntoView({ block: "center", behavior: "smooth" });
        for (const m of marks) { m.classList.remove("flash"); void m.offsetWidth; m.classList.add("flash"); }
      };
      node.addEventListener("click", jump);
      node.addEventListener("keydown", (e) => { if (e.key === "Enter") jump(); });
    }
  }

  function showResult(result, article, downloadBase) {
    const meta = result.meta || {};
    const spans = [];
    const fields = $("fields");
    fields.replaceChildren();
    if (result.event) fields.append(eventTable(result.event, spans));
    for (const part of Object.keys(PARTS)) {
      if (Array.isArray(result[part])) fields.append(partList(part, result[part], spans));
    }
    const usage = meta.usage || {};
    const line = [`model: ${meta.model} (${meta.backend})`,
      meta.cached ? "from the cache" : `${usage.calls || 0} calls`,
      `${(meta.latency_s || 0).toFixed(1)} s`];
    if (meta.published) line.push(`published ${meta.published} (${meta.published_from})`);
    $("meta").replaceChildren(el("div", { id: "provenance" }, line.join(" · ")));
    for (const w of meta.warnings || []) $("meta").append(el("div", { class: "warning" }, "note: " + w));
    const links = $("downloads");
    links.replaceChildren("Download: ");
    for (const fmt of ["json", "yaml", "markdown"]) {
      links.append(el("a", { href: downloadBase + "?format=" + fmt, download: "" }, fmt), " ");
    }
    if (article) {
      drawArticle($("article"), article, spans);
    } else {
      $("article").replaceChildren(el("p", { class: "none" },
        "The cache keeps summaries, not article texts: summarize the article again to see where each item was found."));
    }
    wire(fields);
    $("output").hidden = false;
  }

  async function openPast(key) {
    const response = await fetch("/api/history/" + encodeURIComponent(key));
    const data = await response.json().catch(() => ({}));
    if (!response.ok) { showError(data.error); return; }
    showResult(data.result, null, "/api/history/" + encodeURIComponent(key));
  }

  $("form").addEventListener("submit", submit);
  $("cancel").addEventListener("click", cancel);
  $("file").addEventListener("change", () => { if ($("file").files.length) $("text").value = ""; });
  const past = new URLSearchParams(location.search).get("summary");
  if (past) openPast(past);
})();

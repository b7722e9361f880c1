// efreg SPARQL query page: a small editor (line numbers, Tab, Ctrl+Enter), example queries and a
// results table. Bundled with the registry; no CDN, no framework.
(function () {
  "use strict";
  const form = document.getElementById("sparql-form");
  const editor = document.getElementById("query");
  const gutter = document.getElementById("gutter");
  const examples = document.getElementById("examples");
  const format = document.getElementById("format");
  const status = document.getElementById("status");
  const results = document.getElementById("results");
  const endpoint = form.getAttribute("action");

  function renumber() {
    const lines = editor.value.split("\n").length;
    gutter.textContent = Array.from({ length: lines }, (_, i) => i + 1).join("\n");
    gutter.scrollTop = editor.scrollTop;
  }
  editor.addEventListener("input", renumber);
  editor.addEventListener("scroll", () => { gutter.scrollTop = editor.scrollTop; });
  editor.addEventListener("keydown", (event) => {
    if (event.key === "Tab") {
      event.preventDefault();
      const { selectionStart: start, selectionEnd: end } = editor;
      editor.setRangeText("  ", start, end, "end");
      renumber();
    } else if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      run();
    }
  });
  examples.addEventListener("change", () => {
    const source = document.getElementById("example-texts").content
      .querySelector(`pre[data-index="${examples.value}"]`);
    if (source) { editor.value = source.textContent; renumber(); }
  });

  function cell(term) {
    const td = document.createElement("td");
    if (!term) return td;
    if (term.type === "uri") {
      const a = document.createElement("a");
      a.href = term.value; a.textContent = term.value; td.appendChild(a);
    } else {
      td.textContent = term.type === "bnode" ? "_:" + term.value : term.value;
      if (term["xml:lang"]) td.lang = term["xml:lang"];
      if (term.datatype && /#(decimal|integer|double|float)$/.test(term.datatype)) td.className = "num";
    }
    return td;
  }

  function table(data) {
    if (typeof data.boolean === "boolean") {
      const p = document.createElement("p"); p.id = "ask-result"; p.textContent = String(data.boolean);
      return p;
    }
    const t = document.createElement("table"); t.id = "result-table";
    const head = t.createTHead().insertRow();
    for (const v of data.head.vars) { const th = document.createElement("th"); th.textContent = "?" + v; head.appendChild(th); }
    const body = t.createTBody();
    for (const b of data.results.bindings) {
      const row = body.insertRow();
      for (const v of data.head.vars) row.appendChild(cell(b[v]));
    }
    return t;
  }

  async function run() {
    const chosen = format.value;
    const isGraph = /^\s*(PREFIX[^\n]*\n|BASE[^\n]*\n|#[^\n]*\n|\s)*(CONSTRUCT|DESCRIBE)/i.test(editor.value);
    const accept = chosen ? "" : (isGraph ? "text/turtle" : "application/sparql-results+json");
    const body = new URLSearchParams({ query: editor.value });
    const url = chosen ? `${endpoint}?format=${encodeURIComponent(chosen)}` : endpoint;
    status.className = ""; status.textContent = "running…"; results.replaceChildren();
    const started = performance.now();
    let response;
    try {
      response = await fetch(url, { method: "POST", body, headers: accept ? { Accept: accept } : {} });
    } catch (error) {
      status.className = "error"; status.textContent = String(error); return;
    }
    const ms = Math.round(performance.now() - started);
    const text = await response.text();
    if (!response.ok) {
      status.className = "error"; status.textContent = `${response.status} ${response.statusText}`;
      const pre = document.createElement("pre"); pre.className = "error"; pre.textContent = text;
      results.appendChild(pre); return;
    }
    const rows = response.headers.get("Efreg-Result-Rows");
    status.textContent = `${rows !== null ? rows + " rows, " : ""}${ms} ms`;
    if (response.headers.get("Efreg-Truncated") === "true") {
      const p = document.createElement("p"); p.className = "truncated";
      p.textContent = `The answer was cut at ${response.headers.get("Efreg-Max-Rows")} rows.`;
      results.appendChild(p);
    }
    if ((response.headers.get("Content-Type") || "").startsWith("application/sparql-results+json")) {
      results.appendChild(table(JSON.parse(text)));
    } else {
      const pre = document.createElement("pre"); pre.id = "result-text"; pre.textContent = text;
      results.appendChild(pre);
    }
  }

  form.addEventListener("submit", (event) => { event.preventDefault(); run(); });
  renumber();
})();

// medkb serve: answers as you type. The page works without this script (the
// form sends a plain GET to /search); with it, each pause in typing fetches
// /api/search and redraws the results and filters in place.
//
// Corpus text only ever reaches the page through textContent and text nodes,
// never as markup.
"use strict";

(function () {
  const form = document.querySelector("form.search");
  const input = document.getElementById("q");
  const results = document.getElementById("results");
  const facets = document.getElementById("facets");
  if (!form || !input || !results || !facets) {
    return; // a document page: the form still works without live results
  }

  const DEBOUNCE_MS = 150;
  const MAX_LIMIT = 100; // the most results one request may ask for
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  let timer = 0;
  let controller = null;
  let shown = input.value.trim();

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(update, DEBOUNCE_MS);
  });

  // The filters on now: the form's hidden inputs.
  function filters() {
    const on = [];
    for (const field of form.querySelectorAll("input[type=hidden]")) {
      on.push([field.name, field.value]);
    }
    return on;
  }

  function searchHref(question, on) {
    const params = new URLSearchParams([["q", question], ...on]);
    return "/search?" + params.toString();
  }

  function docHref(id, question) {
    return "/doc/" + encodeURIComponent(id) + "?q=" + encodeURIComponent(question);
  }

  async function update() {
    const question = input.value.trim();
    if (question === shown) {
      return;
    }
    shown = question;
    if (controller) {
      controller.abort();
    }
    if (!question) {
      return; // keep what is shown; the list of documents is one click away
    }
    controller = new AbortController();
    const params = new URLSearchParams([["q", question], ...filters(), ["facets", "1"]]);
    try {
      const response = await fetch("/api/search?" + params.toString(), {
        signal: controller.signal,
        headers: { Accept: "application/json" },
      });
      const data = await response.json();
      if (!response.ok) {
        showMessage(data.error || "The search failed.");
        return;
      }
      render(data);
      history.replaceState(null, "", searchHref(question, filters()));
      document.title = question + " · medkb";
    } catch (error) {
      if (error.name !== "AbortError") {
        showMessage("The search failed: " + error.message);
      }
    }
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function link(href, text, className) {
    const node = element("a", className, text);
    node.href = href;
    return node;
  }

  function showMessage(text) {
    results.replaceChildren(element("p", "summary", text));
  }

  // Appends `text` with its highlights (UTF-8 byte ranges, as the API
  // gives them) wrapped in <mark>.
  function appendMarked(parent, text, highlights) {
    const bytes = encoder.encode(text);
    let at = 0;
    for (const [start, end] of highlights) {
      if (start < at || end > bytes.length || start > end) {
        continue;
      }
      parent.append(decoder.decode(bytes.subarray(at, start)));
      parent.append(element("mark", "", decoder.decode(bytes.subarray(start, end))));
      at = end;
    }
    parent.append(decoder.decode(bytes.subarray(at)));
  }

  function render(data) {
    const on = filters();
    const box = document.createDocumentFragment();
    if (data.suggestion) {
      const line = element("p", "suggestion", "Did you mean ");
      line.append(link(searchHref(data.suggestion, on), data.suggestion), "? Showing results for it.");
      box.append(line);
    }
    const noun = data.total === 1 ? "document" : "documents";
    if (data.hits.length === 0) {
      box.append(element("p", "summary",
        "No documents match “" + data.query + "”. Try fewer or other words."));
    } else if (data.hits.length < data.total) {
      const line = element("p", "summary",
        "The best " + data.hits.length + " of " + data.total + " matching " + noun + " · ");
      const all = Math.min(data.total, MAX_LIMIT);
      line.append(link(searchHref(data.query, on) + "&limit=" + all,
        data.total <= MAX_LIMIT ? "show all" : "show more"));
      box.append(line);
    } else {
      box.append(element("p", "summary", data.total + " matching " + noun));
    }
    if (data.hits.length > 0) {
      const list = element("ol", "results");
      for (const hit of data.hits) {
        const item = element("li", "hit");
        const title = element("h2");
        title.append(link(docHref(hit.id, data.query), hit.title));
        item.append(title);
        const meta = element("p", "meta");
        meta.append(element("span", "kind kind-" + (hit.kind === "note" ? "note" : "article"), hit.kind));
        for (const drug of hit.drugs) {
          meta.append(" ", element("span", "drug", drug));
        }
        item.append(meta);
        for (const passage of hit.passages) {
          if (passage.section) {
            item.append(element("p", "section", "§ " + passage.section));
          }
          const snippet = element("p", "snippet");
          appendMarked(snippet, passage.text, passage.highlights);
          item.append(snippet);
        }
        list.append(item);
      }
      box.append(list);
    }
    results.replaceChildren(box);
    renderFacets(data, on);
    const layout = results.closest(".layout");
    if (layout) {
      layout.classList.remove("home");
    }
  }

  // The same lists as the server writes: each value adds its filter, or
  // removes it when it is on; one kind at a time.
  function renderFacets(data, on) {
    const box = document.createDocumentFragment();
    const groups = [["kind", "Kind"], ["drug", "Drug"], ["tag", "Tag"]];
    for (const [name, title] of groups) {
      const counts = new Map(Object.entries((data.facets || {})[name] || {}));
      for (const [key, value] of on) {
        if (key === name && !counts.has(value)) {
          counts.set(value, 0);
        }
      }
      if (counts.size === 0) {
        continue;
      }
      const values = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
      box.append(element("h2", "facet-title", title));
      const list = element("ul", "facet");
      for (const [value, count] of values) {
        const active = on.some(([key, v]) => key === name && v === value);
        const toggled = active
          ? on.filter(([key, v]) => !(key === name && v === value))
          : [...on.filter(([key]) => !(name === "kind" && key === "kind")), [name, value]];
        const item = element("li");
        const anchor = link(searchHref(data.query, toggled), value + " ", "facet-value" + (active ? " on" : ""));
        anchor.append(element("span", "count", String(count)));
        item.append(anchor);
        list.append(item);
      }
      box.append(list);
    }
    facets.replaceChildren(box);
  }
})();

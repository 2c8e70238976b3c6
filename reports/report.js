/* sgaudit report script. Inline, no network, no eval: text from AWS only ever goes through
   textContent / new Option, never innerHTML. Rows are rendered once by the server; filters toggle
   `hidden`, which keeps 5,000 findings responsive. */
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("sgaudit-data").textContent);

  function debounce(fn, ms) {
    var t = null;
    return function () {
      if (t !== null) clearTimeout(t);
      t = setTimeout(fn, ms);
    };
  }

  /* ---------- findings filters ---------- */
  var rows = Array.prototype.slice.call(document.querySelectorAll("#finding-rows > .finding"));
  var index = rows.map(function (row) {
    var summary = row.querySelector("summary");
    var rname = row.querySelector(".rname");
    return {
      row: row,
      sev: row.getAttribute("data-sev"),
      rule: row.getAttribute("data-rule"),
      res: (row.getAttribute("data-res") || "").toLowerCase(),
      suppressed: row.classList.contains("suppressed"),
      text: [
        summary ? summary.textContent : "",
        rname ? rname.textContent : "",
        row.getAttribute("data-rule") || "",
        row.getAttribute("data-res") || ""
      ].join(" ").toLowerCase()
    };
  });
  var chips = Array.prototype.slice.call(document.querySelectorAll(".chip[data-sev]"));
  var ruleSel = document.getElementById("f-rule");
  var resInput = document.getElementById("f-resource");
  var search = document.getElementById("f-search");
  var showSupp = document.getElementById("f-suppressed");
  var shownCount = document.getElementById("shown-count");
  var noRows = document.getElementById("no-rows");

  function applyFilters() {
    var sevs = {};
    chips.forEach(function (c) {
      if (c.getAttribute("aria-pressed") === "true") sevs[c.getAttribute("data-sev")] = true;
    });
    var rule = ruleSel ? ruleSel.value : "";
    var res = resInput ? resInput.value.trim().toLowerCase() : "";
    var terms = search ? search.value.trim().toLowerCase().split(/\s+/).filter(Boolean) : [];
    var supp = showSupp ? showSupp.checked : false;
    var shown = 0;
    for (var i = 0; i < index.length; i++) {
      var it = index[i];
      var ok = sevs[it.sev] === true && (!rule || it.rule === rule) && (!res || it.res.indexOf(res) !== -1) &&
        (supp || !it.suppressed);
      for (var j = 0; ok && j < terms.length; j++) ok = it.text.indexOf(terms[j]) !== -1;
      if (it.row.hidden === ok) it.row.hidden = !ok;
      if (ok) shown++;
    }
    if (shownCount) shownCount.textContent = shown + " of " + index.length;
    if (noRows) noRows.hidden = shown !== 0 || index.length === 0;
  }

  chips.forEach(function (chip) {
    chip.addEventListener("click", function () {
      chip.setAttribute("aria-pressed", chip.getAttribute("aria-pressed") === "true" ? "false" : "true");
      applyFilters();
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-only-sev]"), function (card) {
    card.addEventListener("click", function () {
      var only = card.getAttribute("data-only-sev");
      chips.forEach(function (c) {
        c.setAttribute("aria-pressed", c.getAttribute("data-sev") === only ? "true" : "false");
      });
      applyFilters();
      document.getElementById("findings").scrollIntoView({ block: "start" });
    });
  });
  var lazyFilter = debounce(applyFilters, 120);
  if (ruleSel) ruleSel.addEventListener("change", applyFilters);
  if (showSupp) showSupp.addEventListener("change", applyFilters);
  if (resInput) resInput.addEventListener("input", lazyFilter);
  if (search) search.addEventListener("input", lazyFilter);
  applyFilters();

  /* ---------- copy buttons (one delegated listener, no per-row script) ---------- */
  document.addEventListener("click", function (ev) {
    var btn = ev.target;
    if (!(btn instanceof HTMLElement) || !btn.classList.contains("copy")) return;
    var pre = btn.parentNode.querySelector("pre");
    if (!pre) return;
    var text = pre.textContent;
    function done(label) {
      btn.textContent = label;
      setTimeout(function () { btn.textContent = "Copy"; }, 1400);
    }
    function fallback() {
      var range = document.createRange();
      range.selectNodeContents(pre);
      var sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
      done("Selected");
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(function () { done("Copied"); }, fallback);
    } else {
      fallback();
    }
  });

  /* ---------- reachability for one endpoint ----------
     The data lists each endpoint's destinations once, in shared compact rows (see html_format.py):
     a selection expands one row for "outbound" and scans every distinct row once for "inbound", and
     only the first TABLE_CHUNK rows of each table are built until the reader asks for more. Nothing is
     precomputed per flow on load, so 300,000 flows load as fast as 30. */
  var TABLE_CHUNK = 250;
  var endpoints = data.endpoints;
  var labels = data.labels;
  var rows = data.rows;
  var outRow = data.out;
  var intents = data.intents;
  var bySelector = {};
  endpoints.forEach(function (e, i) { bySelector[e.s] = i; });
  var epFilter = document.getElementById("ep-filter");
  var epSelect = document.getElementById("ep-select");
  var epCount = document.getElementById("ep-count");
  var epTitle = document.getElementById("ep-title");
  var current = -1;

  /* Calls fn(destination, label) for every destination of row r, in label then index order. */
  function eachInRow(r, fn) {
    var row = rows[r];
    var i = 0;
    while (i < row.length) {
      var label = row[i];
      var end = i + 2 + row[i + 1];
      var cursor = 0;
      for (i += 2; i < end; i++) {
        cursor += row[i];
        fn(cursor, label);
        cursor += 1;
      }
    }
  }

  /* The label with which row r reaches endpoint j, or -1: destinations grow within a group, so each
     group stops at the first one past j. */
  function labelInRow(r, j) {
    var row = rows[r];
    var i = 0;
    while (i < row.length) {
      var label = row[i];
      var end = i + 2 + row[i + 1];
      var cursor = 0;
      for (i += 2; i < end; i++) {
        cursor += row[i];
        if (cursor === j) return label;
        if (cursor > j) break;
        cursor += 1;
      }
      i = end;
    }
    return -1;
  }

  function byPeer(a, b) { return a.peer - b.peer; }

  /* Entries {peer, text, verdict, intent}: failed intents first, then flows in picture order. */
  function outbound(i) {
    var list = [];
    eachInRow(outRow[i], function (d, label) {
      list.push({ peer: d, text: labels[label][0], verdict: labels[label][1], intent: "" });
    });
    list.sort(byPeer);
    return failedIntents(i, 0, 1).concat(list);
  }

  function inbound(j) {
    var hit = new Int32Array(rows.length).fill(-2);
    var list = [];
    for (var s = 0; s < outRow.length; s++) {
      var r = outRow[s];
      if (r === 0) continue;
      if (hit[r] === -2) hit[r] = labelInRow(r, j);
      var label = hit[r];
      if (label >= 0) list.push({ peer: s, text: labels[label][0], verdict: labels[label][1], intent: "" });
    }
    return failedIntents(j, 1, 0).concat(list);
  }

  function failedIntents(i, self, other) {
    var list = [];
    intents.forEach(function (f) {
      if (f[self] === i) list.push({ peer: f[other], text: f[2], verdict: f[3], intent: f[4] });
    });
    return list;
  }

  function describe(e) {
    return e.l === e.s ? e.s : e.l + " \u2014 " + e.s;
  }

  function fillOptions() {
    var q = epFilter.value.trim().toLowerCase();
    var frag = document.createDocumentFragment();
    var n = 0;
    for (var i = 0; i < endpoints.length; i++) {
      var e = endpoints[i];
      var text = describe(e);
      if (q && (text + " " + e.k + " " + e.v).toLowerCase().indexOf(q) === -1) continue;
      var opt = new Option(text, String(i), false, i === current);
      frag.appendChild(opt);
      n++;
    }
    epSelect.textContent = "";
    epSelect.appendChild(frag);
    epCount.textContent = n + " of " + endpoints.length + " endpoints";
  }

  function cell(tr, text, cls) {
    var td = document.createElement("td");
    if (cls) {
      var span = document.createElement(cls === "code" ? "code" : "span");
      if (cls !== "code") span.className = cls;
      span.textContent = text;
      td.appendChild(span);
    } else {
      td.textContent = text;
    }
    tr.appendChild(td);
    return td;
  }

  var tables = {};

  function peerRow(item) {
    var peer = endpoints[item.peer];
    var tr = document.createElement("tr");
    tr.className = "peer" + (item.intent ? " intent-failed" : "");
    tr.setAttribute("data-peer", String(item.peer));
    var td = cell(tr, peer.l === peer.s ? "" : peer.l, peer.l === peer.s ? "" : "plabel");
    var code = document.createElement("code");
    code.textContent = peer.s;
    td.appendChild(code);
    if (item.intent) {
      var why = document.createElement("span");
      why.className = "pintent";
      why.textContent = "\u2717 failed intent " + item.intent;
      td.appendChild(why);
    }
    cell(tr, item.text);
    cell(tr, item.verdict, "verdict v-" + item.verdict);
    return tr;
  }

  /* Appends the next chunk of the table's entries, and a "show more" row while some are left. */
  function moreRows(id) {
    var state = tables[id];
    var body = document.getElementById(id).tBodies[0];
    var more = body.querySelector("tr.more");
    if (more) body.removeChild(more);
    var frag = document.createDocumentFragment();
    var stop = Math.min(state.list.length, state.shown + TABLE_CHUNK);
    for (var k = state.shown; k < stop; k++) frag.appendChild(peerRow(state.list[k]));
    state.shown = stop;
    var left = state.list.length - stop;
    if (left > 0) {
      var tr = document.createElement("tr");
      tr.className = "more";
      var td = document.createElement("td");
      td.colSpan = 3;
      var btn = document.createElement("button");
      btn.type = "button";
      btn.className = "more-rows";
      btn.textContent = "Show " + Math.min(left, TABLE_CHUNK) + " more (" + left + " not shown)";
      td.appendChild(btn);
      tr.appendChild(td);
      frag.appendChild(tr);
    }
    body.appendChild(frag);
  }

  function fillTable(id, list, countId) {
    var body = document.getElementById(id).tBodies[0];
    body.textContent = "";
    tables[id] = { list: list, shown: 0 };
    if (list.length) {
      moreRows(id);
    } else {
      var tr = document.createElement("tr");
      var td = cell(tr, "none");
      td.colSpan = 3;
      td.className = "muted";
      body.appendChild(tr);
    }
    document.getElementById(countId).textContent = "(" + list.length + ")";
  }

  function select(i) {
    if (i < 0 || i >= endpoints.length) return;
    current = i;
    var e = endpoints[i];
    epTitle.textContent = describe(e) + " (" + e.k + (e.v ? ", " + e.v : "") + ")";
    epTitle.className = "";
    fillTable("flows-in", inbound(i), "in-count");
    fillTable("flows-out", outbound(i), "out-count");
    if (epSelect.value !== String(i)) {
      var opt = epSelect.querySelector('option[value="' + i + '"]');
      if (opt) opt.selected = true;
    }
    Array.prototype.forEach.call(document.querySelectorAll("#netmap .node.selected"), function (n) {
      n.classList.remove("selected");
    });
    Array.prototype.forEach.call(document.querySelectorAll("#netmap .node[data-selector]"), function (n) {
      if (n.getAttribute("data-selector") === e.s) n.classList.add("selected");
    });
  }

  if (epSelect) {
    epFilter.addEventListener("input", debounce(fillOptions, 120));
    epSelect.addEventListener("change", function () { select(Number(epSelect.value)); });
    ["flows-in", "flows-out"].forEach(function (id) {
      document.getElementById(id).addEventListener("click", function (ev) {
        var target = ev.target instanceof Element ? ev.target : null;
        if (target && target.closest("button.more-rows")) {
          moreRows(id);
          return;
        }
        var tr = target ? target.closest("tr[data-peer]") : null;
        if (tr) select(Number(tr.getAttribute("data-peer")));
      });
    });
    var svg = document.getElementById("netmap");
    if (svg) {
      var pick = function (ev) {
        var node = ev.target instanceof Element ? ev.target.closest(".node[data-selector]") : null;
        if (!node) return;
        var i = bySelector[node.getAttribute("data-selector")];
        if (i === undefined) return;
        select(i);
        document.getElementById("matrix").scrollIntoView({ block: "start" });
      };
      svg.addEventListener("click", pick);
      svg.addEventListener("keydown", function (ev) { if (ev.key === "Enter") pick(ev); });
    }
    current = data.first;
    fillOptions();
    if (current >= 0) select(current);
  }
})();

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

  /* ---------- reachability for one endpoint ---------- */
  var endpoints = data.endpoints;
  var flows = data.flows;
  var inbound = endpoints.map(function () { return []; });
  var outbound = endpoints.map(function () { return []; });
  var bySelector = {};
  endpoints.forEach(function (e, i) { bySelector[e.s] = i; });
  flows.forEach(function (f, i) {
    outbound[f[0]].push(i);
    inbound[f[1]].push(i);
  });
  var epFilter = document.getElementById("ep-filter");
  var epSelect = document.getElementById("ep-select");
  var epCount = document.getElementById("ep-count");
  var epTitle = document.getElementById("ep-title");
  var current = -1;

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

  function fillTable(id, list, peerAt, countId) {
    var table = document.getElementById(id);
    var body = table.tBodies[0];
    body.textContent = "";
    list.forEach(function (fi) {
      var f = flows[fi];
      var peer = endpoints[f[peerAt]];
      var tr = document.createElement("tr");
      tr.className = "peer" + (f[4] ? " intent-failed" : "");
      tr.setAttribute("data-peer", String(f[peerAt]));
      var td = cell(tr, peer.l === peer.s ? "" : peer.l, peer.l === peer.s ? "" : "plabel");
      var code = document.createElement("code");
      code.textContent = peer.s;
      td.appendChild(code);
      if (f[4]) {
        var why = document.createElement("span");
        why.className = "pintent";
        why.textContent = "\u2717 failed intent " + f[4];
        td.appendChild(why);
      }
      cell(tr, f[2]);
      cell(tr, f[3], "verdict v-" + f[3]);
      body.appendChild(tr);
    });
    if (!list.length) {
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
    fillTable("flows-in", inbound[i], 0, "in-count");
    fillTable("flows-out", outbound[i], 1, "out-count");
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
        var tr = ev.target instanceof Element ? ev.target.closest("tr[data-peer]") : null;
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
    var best = -1;
    var bestDegree = 0;
    endpoints.forEach(function (e, i) {
      var degree = inbound[i].length + outbound[i].length;
      if (e.t !== "outside" && degree > bestDegree) { best = i; bestDegree = degree; }
    });
    current = best;
    fillOptions();
    if (best >= 0) select(best);
  }
})();

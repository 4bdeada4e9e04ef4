/* afpak-data site: draws a table page from its embedded JSON, with search and column filters.
   Vanilla JS, no network: the data is in <script type="application/json" id="table-data">.
   Cells are set with textContent only, so no value is ever parsed as HTML.
   The search and filters live in the address (#q=railway&kind=agreement), so a filtered view can
   be bookmarked or shared and opens filtered; a plain #row-<id> still jumps to that row. */
(function () {
  "use strict";

  function normalise(text) {
    return String(text)
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .replace(/[\u2018\u2019\u02bc]/g, "'")
      .replace(/[\u201c\u201d]/g, '"')
      .toLowerCase();
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function rowId(key, fields, row) {
    var parts = key.map(function (name) {
      for (var i = 0; i < fields.length; i++) if (fields[i].name === name) return row[i];
      return "";
    });
    return "row-" + parts.join("--");
  }

  function quoteBlock(paragraph, quote, note) {
    var box = el("div", "evidence");
    var q = el("q", null, quote);
    box.appendChild(q);
    if (paragraph !== null && paragraph !== undefined) {
      box.appendChild(el("span", "para", "\u00b6\u00a0" + paragraph));
    }
    if (note) box.appendChild(el("div", "note", note));
    return box;
  }

  function drawTable(data) {
    var fields = data.fields;
    var names = fields.map(function (f) { return f.name; });
    var quoteAt = names.indexOf("quote");
    var paraAt = names.indexOf("paragraph");
    var merged = quoteAt >= 0 && paraAt >= 0; // paragraph shown with its quote
    var table = document.getElementById("records");
    var thead = table.tHead;
    var tbody = table.tBodies[0];
    var headRow = el("tr");
    var filterRow = el("tr", "filters");
    var filters = [];

    var labels = data.labels || {};
    function label(field, value) {
      var names = field.ref ? labels[field.ref] : null;
      return names && names[String(value)] !== undefined ? names[String(value)] : null;
    }

    fields.forEach(function (field, i) {
      if ((merged && i === paraAt) || field.hidden) return;
      // a <wbr> after each "_" lets long names (period_start) wrap in narrow columns
      var heading = merged && i === quoteAt ? "quote (\u00b6 paragraph)" : field.name;
      var th = el("th");
      heading.split("_").forEach(function (part, n) {
        if (n) {
          th.appendChild(document.createTextNode("_"));
          th.appendChild(document.createElement("wbr"));
        }
        th.appendChild(document.createTextNode(part));
      });
      th.title = field.description || "";
      th.setAttribute("scope", "col");
      headRow.appendChild(th);
      var cell = el("th");
      if (field.filter) {
        cell.dataset.column = field.name;
        var select = el("select");
        select.setAttribute("aria-label", "Filter " + field.name);
        select.dataset.column = String(i);
        select.dataset.name = field.name;
        select.appendChild(new Option("all", ""));
        var values = [];
        data.rows.forEach(function (row) {
          var v = row[i] === null ? "\u2205" : String(row[i]);
          if (values.indexOf(v) < 0) values.push(v);
        });
        var order = field.enum ? field.enum.map(String) : values.slice().sort();
        if (field.ref) {
          order.sort(function (a, b) {
            var la = (label(field, a) || a).toLowerCase(), lb = (label(field, b) || b).toLowerCase();
            return la < lb ? -1 : la > lb ? 1 : 0;
          });
        }
        order.concat(values.indexOf("\u2205") >= 0 ? ["\u2205"] : []).forEach(function (v) {
          if (values.indexOf(v) < 0) return;
          var text = v === "\u2205" ? "(empty)" : label(field, v) || v;
          select.appendChild(new Option(text, v));
        });
        filters.push(select);
        cell.appendChild(select);
      }
      filterRow.appendChild(cell);
    });
    thead.appendChild(headRow);
    if (filters.length) thead.appendChild(filterRow);

    var rendered = data.rows.map(function (row) {
      var tr = el("tr");
      tr.id = rowId(data.key, fields, row);
      fields.forEach(function (field, i) {
        if ((merged && i === paraAt) || field.hidden) return;
        var value = row[i];
        var td = el("td");
        td.dataset.column = field.name;
        if (field.wide) td.classList.add("wide");
        if (field.id) td.classList.add("id");
        if (value === null) {
          td.classList.add("empty");
          td.title = "empty: the source does not say";
        } else if (merged && i === quoteAt) {
          td.appendChild(quoteBlock(row[paraAt], value));
        } else if (field.ref) {
          var name = label(field, value);
          var a = el("a", name ? "name" : null, name || value);
          a.href = encodeURIComponent(field.ref) + ".html#row-" + encodeURIComponent(value);
          a.title = String(value);
          td.appendChild(a);
          if (name) {
            td.classList.remove("id");
            td.appendChild(el("span", "ref-id", value));
          }
        } else if (field.wide) {
          td.appendChild(el("div", "clamp", value));
        } else {
          td.textContent = String(value);
          if (field.type === "integer" || field.type === "number" || field.type === "year") {
            td.classList.add("num");
          }
        }
        if (merged && i === quoteAt && data.key.length === 1) {
          var more = data.evidence[String(row[names.indexOf(data.key[0])])];
          if (more) {
            var n = more.length;
            td.appendChild(el("div", "more-label", "Further evidence: " + n + (n === 1 ? " passage" : " passages")));
            more.forEach(function (item) {
              var block = quoteBlock(item[0], item[1], item[2]);
              block.classList.add("more");
              td.appendChild(block);
            });
          }
        }
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
      return { tr: tr, row: row, text: normalise(tr.textContent + " " + row.join(" ")) };
    });

    var search = document.getElementById("search");
    var count = document.getElementById("row-count");

    // Cards on phones, and for a one-row table; a wide screen shows the grid.
    var phone = window.matchMedia ? window.matchMedia("(max-width: 700px)") : null;
    function layout() {
      var single = data.rows.length === 1;
      table.classList.toggle("single", single);
      table.classList.toggle("cards", single || Boolean(phone && phone.matches));
    }
    if (phone && phone.addEventListener) phone.addEventListener("change", layout);
    layout();

    tbody.addEventListener("click", function (event) {
      var cell = event.target.closest ? event.target.closest("td.wide") : null;
      if (cell && !event.target.closest("a")) cell.classList.toggle("open");
    });

    function stateFromAddress() {
      var hash = window.location.hash.replace(/^#/, "");
      if (hash.indexOf("=") < 0) return; // #row-<id>: a row anchor, not a filter state
      var params = new URLSearchParams(hash);
      search.value = params.get("q") || "";
      filters.forEach(function (select) {
        var wanted = params.get(select.dataset.name);
        var known = Array.prototype.some.call(select.options, function (o) { return o.value === wanted; });
        select.value = wanted !== null && known ? wanted : "";
      });
    }

    function stateToAddress() {
      var params = new URLSearchParams();
      if (search.value) params.set("q", search.value);
      filters.forEach(function (select) {
        if (select.value) params.set(select.dataset.name, select.value);
      });
      var text = params.toString();
      var hash = window.location.hash.replace(/^#/, "");
      if (!text && hash.indexOf("=") < 0) return; // keep a #row-<id> anchor
      var target = text ? "#" + text : window.location.pathname + window.location.search;
      try {
        window.history.replaceState(null, "", target);
      } catch (e) {
        window.location.hash = text;
      }
    }

    function apply() {
      var terms = normalise(search.value).split(/\s+/).filter(Boolean);
      var shown = 0;
      rendered.forEach(function (item) {
        var ok = terms.every(function (t) { return item.text.indexOf(t) >= 0; });
        filters.forEach(function (select) {
          if (!ok || !select.value) return;
          var v = item.row[Number(select.dataset.column)];
          ok = (v === null ? "\u2205" : String(v)) === select.value;
        });
        item.tr.hidden = !ok;
        if (ok) shown++;
      });
      count.textContent = "Showing " + shown + " of " + rendered.length + " rows";
      count.dataset.shown = String(shown);
      count.dataset.total = String(rendered.length);
    }

    function changed() {
      apply();
      stateToAddress();
    }

    filters.forEach(function (select) { select.addEventListener("change", changed); });
    search.addEventListener("input", changed);
    document.getElementById("reset").addEventListener("click", function () {
      search.value = "";
      filters.forEach(function (select) { select.value = ""; });
      changed();
    });
    window.addEventListener("hashchange", function () {
      stateFromAddress();
      apply();
    });
    stateFromAddress();
    apply();
  }

  var source = document.getElementById("table-data");
  if (source) drawTable(JSON.parse(source.textContent));
  document.body.dataset.ready = "1";
})();

"""``--format html``: one self-contained Chinese page for a supervisor's browser.

A dashboard (the round's counts with ``--baseline``, documents, errors by rule, agencies sorted
by errors with links to their reports), then every document — in natural file order, ``r2``
before ``r10`` — with its findings and its tables redrawn under the printed labels of the
national format. Findings a correction explains are listed under it, and the cells it suspects
are marked apart (with the value they would need) from cells merely involved in a failing sum.

Size: the tables are not written as HTML. Each document carries its cells as a small JSON block
and the page draws a table when it is opened, scrolled near, printed or searched; the layouts
of the formats are written once. A thousand reports make a page of a few MB instead of tens.
Filters by severity and rule and a search box for agency or region run in inline JavaScript and
are kept in the URL fragment (``#severity=error&rule=T3-BALANCE&q=南宁``) so a view can be
shared; ``tables=all`` draws every table at once. The print stylesheet starts each agency on a
new page, hides the filters and prints every table expanded. No external resources: the file
is mailed around and opened offline.
"""

from __future__ import annotations

import html
from typing import Any, Optional

from auditor import templates
from auditor.hookspecs import hookimpl
from auditor.i18n import t
from auditor.model import AuditRun, DocumentResult, Finding, Report
from auditor.reporters import (
    SEVERITY_RANK,
    CorrectionGroup,
    correction_groups,
    document_key,
    document_title,
    error_text,
    is_waived,
    natural_key,
    not_audited_reason,
    round_counts_text,
    round_word,
    rule_titles,
    severity_word,
    summarize,
    waiver_notes,
    was_audited,
)
from auditor.reporters.escape import script_json
from auditor.reporters.rounds import rounds


def _table_title(table: str) -> str:
    return t(f"html.table.{table}")

CSS = """
:root{--err:#c62828;--warn:#b26a00;--info:#1565c0;--ok:#2e7d32;--muted:#6b7280;--line:#d8dce3}
*{box-sizing:border-box}
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:0;color:#1f2937;background:#f6f7f9}
header{background:#1f3a5f;color:#fff;padding:18px 28px}
header h1{margin:0 0 6px;font-size:22px}
header .meta{margin:0;font-size:12px;opacity:.85;word-break:break-all}
main,#dashboard,#filters{margin:0 28px}
#dashboard{display:grid;grid-template-columns:repeat(auto-fit,minmax(380px,1fr));gap:16px;margin-top:18px}
.cards{display:flex;flex-wrap:wrap;gap:10px;grid-column:1/-1}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 16px;min-width:110px}
.card b{display:block;font-size:26px}
.card.error b{color:var(--err)}.card.warning b{color:var(--warn)}.card.unreadable b{color:var(--err)}
.panel{background:#fff;border:1px solid var(--line);border-radius:8px;padding:12px 16px}
.panel h2{font-size:15px;margin:0 0 8px}
table{border-collapse:collapse}
.panel table,.findings{width:100%}
th,td{border:1px solid var(--line);padding:4px 8px;font-size:13px;text-align:left;vertical-align:top}
th{background:#eef1f5}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.notes{grid-column:1/-1;color:var(--warn);margin:0;padding-left:20px}
#filters{position:sticky;top:0;background:#f6f7f9;padding:12px 0;border-bottom:1px solid var(--line);z-index:2;
  display:flex;gap:16px;align-items:center;flex-wrap:wrap;font-size:14px;margin-top:12px}
#filters select{font-size:14px;padding:2px 4px}
#visible-count{color:var(--muted)}
article.doc{background:#fff;border:1px solid var(--line);border-left:6px solid var(--ok);border-radius:8px;
  padding:12px 18px;margin:16px 0}
article.doc.has-error{border-left-color:var(--err)}article.doc.has-warning{border-left-color:var(--warn)}
article.doc.unreadable{border-left-color:#7f1d1d}article.doc.not-audited{border-left-color:var(--muted)}
article.doc h2{font-size:18px;margin:0 0 4px}
.src{color:var(--muted);font-size:12px;margin:0 0 10px;word-break:break-all}
.sev{display:inline-block;border-radius:4px;padding:0 6px;color:#fff;font-size:12px;white-space:nowrap}
.sev.error{background:var(--err)}.sev.warning{background:var(--warn)}.sev.info{background:var(--info)}
.sev.waived{background:#9ca3af}
tr.finding.waived td{color:var(--muted)}
.clean{color:var(--ok)}.read-error{color:var(--err);font-weight:bold}
details{margin:10px 0}summary{cursor:pointer;font-weight:bold;font-size:14px}
table.grid td.cell{text-align:right;min-width:52px;font-variant-numeric:tabular-nums}
table.grid td.label{max-width:420px}
table.grid td.blank{background:#fafafa;color:#9ca3af}
table.grid td.hit{background:#fde2e1;outline:2px solid var(--err);outline-offset:-2px;font-weight:bold}
table.grid td.hit.warning{background:#fff3d6;outline-color:var(--warn)}
table.grid td.waived-cell{background:#eceff3}
table.grid td.hit.involved{background:#fdf0ef;outline:1px dashed var(--err);font-weight:normal}
table.grid td.suspect{background:#c62828;color:#fff;outline:3px solid #7f1d1d;outline-offset:-3px;font-weight:bold}
table.grid td.suspect::after{content:" → " attr(data-expected);font-size:11px;white-space:nowrap}
tr.correction td{background:#fff7e6;border-left:4px solid #c62828}
tr.correction .fix{font-weight:bold;color:#7f1d1d}
tr.correction ol{margin:2px 0 0;padding-left:22px}
tr.finding.explained td:first-child{padding-left:22px}
.legend{font-size:12px;color:var(--muted);margin:4px 0}
.legend .swatch{display:inline-block;width:14px;height:10px;vertical-align:middle;margin:0 4px 0 10px}
table.grid tr.group td{background:#f3f4f6;font-weight:bold}
[hidden]{display:none!important}
#f-search{font-size:14px;padding:3px 6px;width:16em}
#by-agency td a{color:#1f3a5f}
.card.new b{color:#6b21a8}.card.fixed b{color:var(--ok)}.card.open b{color:#7f1d1d}
.round{display:inline-block;border-radius:4px;padding:0 6px;font-size:12px;white-space:nowrap;border:1px solid}
.round.new{color:#6b21a8;border-color:#6b21a8}.round.open{color:#7f1d1d;border-color:#7f1d1d}
.round.fixed{color:var(--ok);border-color:var(--ok)}
tr.fixed td{color:var(--muted)}
@media print{
  #filters,.notes,header .meta,details>summary::marker{display:none!important}
  body{background:#fff}
  main,#dashboard{margin:0}
  article.doc{border:1px solid #999;margin:0 0 8px}
  article.doc.agency-start{break-before:page}
  article.doc[hidden]{display:block!important}
  tr.finding[hidden],tr.correction[hidden]{display:table-row!important}
  th,td{font-size:10px;padding:2px 4px}
}
"""

SCRIPT = """
(function(){
  var sev=document.getElementById('f-severity'), rule=document.getElementById('f-rule'),
      waived=document.getElementById('f-waived'), clean=document.getElementById('f-clean'),
      search=document.getElementById('f-search');
  var rank={info:0,warning:1,error:2}, layouts=JSON.parse(document.getElementById('auditor-layouts').textContent);
  var allTables=false;
  function cellsOf(doc){
    if(!doc._cells){var s=doc.querySelector('script.cells'); doc._cells=s?JSON.parse(s.textContent):{f:null,c:{}};}
    return doc._cells;
  }
  var positions={};
  function plain(data,id){
    var lay=layouts[data.f]; if(!lay){return null;}
    if(!positions[data.f]){positions[data.f]={}; lay.ids.forEach(function(k,i){positions[data.f][k]=i;});}
    var v=data.v[positions[data.f][id]];
    if(v===null||v===undefined){return null;}
    return typeof v==='string'?[v,'cell',id]:[v[0],'cell',id+'\\n'+LINE.replace('{line}',v[1])];
  }
  function td(data,id){
    var c=data.c[id]||plain(data,id), el=document.createElement('td');
    el.dataset.cell=id;
    if(!c){el.className='cell blank'; el.textContent='\\u2014'; el.title=id; return el;}
    el.className=c[1]; el.textContent=c[0]; el.title=c[2];
    if(c[3]){el.dataset.expected=c[3];}
    if(c[4]){el.dataset.rules=c[4]; el.dataset.severity=c[5]; el.dataset.active=c[6];}
    return el;
  }
  function th(text,tag){var el=document.createElement(tag||'th'); el.textContent=text; return el;}
  function draw(details){
    if(details.dataset.drawn){return;}
    var doc=details.closest('article'), data=cellsOf(doc), id=details.dataset.table;
    var layout=(layouts[data.f]||{})[id], table=document.createElement('table'), body=document.createElement('tbody');
    table.className='grid';
    if(!layout){layout=Object.keys(data.c).filter(function(k){return k.indexOf(id+'.')===0;})
      .map(function(k){return ['r',k,[k]];});}
    layout.forEach(function(row){
      var tr=document.createElement('tr');
      if(row[0]==='h'){tr.appendChild(th(row[1][0])); row[1].slice(1).forEach(function(l){tr.appendChild(th(l));});}
      else if(row[0]==='g'){tr.className='group'; var g=th(row[1],'td'); g.colSpan=row[2]; tr.appendChild(g);}
      else if(row[0]==='gh'){tr.className='group'; tr.appendChild(th(row[1],'td'));
        row[2].forEach(function(l){tr.appendChild(th(l));});}
      else{var label=th(row[1],'td'); label.className='label'; tr.appendChild(label);
        row[2].forEach(function(cid){tr.appendChild(td(data,cid));});}
      body.appendChild(tr);
    });
    table.appendChild(body); details.appendChild(table); details.dataset.drawn='1';
    mark(details);
  }
  function mark(scope){
    var s=sev.value, r=rule.value;
    scope.querySelectorAll('td.cell[data-rules]').forEach(function(td){
      var rules=td.dataset.rules.split(' '), hit=td.dataset.active==='1'&&(!r||rules.indexOf(r)>=0)
        &&(!s||rank[td.dataset.severity]>=rank[s]);
      td.classList.toggle('hit',hit);
    });
  }
  var watcher=('IntersectionObserver' in window)?new IntersectionObserver(function(entries){
    entries.forEach(function(e){if(e.isIntersecting){draw(e.target); watcher.unobserve(e.target);}});
  },{rootMargin:'600px'}):null;
  document.querySelectorAll('details[data-table]').forEach(function(d){
    d.addEventListener('toggle',function(){if(d.open){draw(d);}});
    if(d.open&&watcher){watcher.observe(d);} else if(d.open){draw(d);}
  });
  function drawAll(){allTables=true; document.querySelectorAll('details[data-table]').forEach(draw);}
  window.addEventListener('beforeprint',function(){drawAll();
    document.querySelectorAll('details[data-table]').forEach(function(d){d.open=true;});});
  function apply(){
    var s=sev.value, r=rule.value, w=waived.checked, q=search.value.trim().toLowerCase(), docs=0, shown=0;
    document.querySelectorAll('article.doc').forEach(function(doc){
      var visible=0;
      doc.querySelectorAll('tr.finding').forEach(function(tr){
        var ok=(!s||rank[tr.dataset.severity]>=rank[s])&&(!r||tr.dataset.rule===r)&&(w||tr.dataset.waived!=='1');
        tr.hidden=!ok; if(ok){visible++;}
      });
      mark(doc);
      doc.querySelectorAll('tr.correction').forEach(function(tr){
        var shown=doc.querySelectorAll('tr.finding[data-group="'+tr.dataset.group+'"]:not([hidden])').length;
        tr.hidden=shown===0;
      });
      var filtering=s||r||clean.checked, isErr=doc.classList.contains('unreadable');
      var hide=filtering&&visible===0&&!(isErr&&(!r||r==='INPUT-ERROR'));
      if(q&&(doc.dataset.search||'').toLowerCase().indexOf(q)<0){hide=true;}
      doc.hidden=hide; docs++; if(!hide){shown++;}
    });
    var total=document.querySelectorAll('article.doc:not([hidden]) tr.finding:not([hidden]):not(.input-error)').length;
    document.getElementById('visible-count').textContent=COUNT.replace('{shown}',shown).replace('{docs}',docs)
      .replace('{findings}',total);
    var h=[]; if(s){h.push('severity='+s);} if(r){h.push('rule='+encodeURIComponent(r));}
    if(!w){h.push('waived=0');} if(clean.checked){h.push('clean=0');} if(q){h.push('q='+encodeURIComponent(q));}
    if(allTables){h.push('tables=all');}
    history.replaceState(null,'',h.length?'#'+h.join('&'):location.pathname+location.search);
  }
  function fromHash(){
    location.hash.replace(/^#/,'').split('&').forEach(function(kv){
      var p=kv.split('='), v=decodeURIComponent(p[1]||'');
      if(p[0]==='severity'){sev.value=v;} if(p[0]==='rule'){rule.value=v;}
      if(p[0]==='waived'){waived.checked=v!=='0';} if(p[0]==='clean'){clean.checked=v==='0';}
      if(p[0]==='q'){search.value=v;} if(p[0]==='tables'&&v==='all'){drawAll();}
    });
  }
  [sev,rule,waived,clean].forEach(function(el){el.addEventListener('change',apply);});
  search.addEventListener('input',apply);
  fromHash(); apply(); document.body.dataset.ready='1';
})();
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _cell_marks(doc: DocumentResult) -> dict[str, dict[str, Any]]:
    """Which cells findings point at: rules, worst active severity, messages, waived-only, and
    whether every active finding on the cell is one a correction explains."""
    marks: dict[str, dict[str, Any]] = {}
    explained = {id(f) for group in correction_groups(doc)[0] for f in group.findings}
    for finding in doc.findings:
        for ref in finding.cells:
            mark = marks.setdefault(ref.id, {"rules": set(), "severity": None, "messages": [], "active": False,
                                             "explained": True})
            mark["rules"].add(finding.rule)
            if not is_waived(finding) and id(finding) not in explained:
                mark["explained"] = False
            mark["messages"].append((f"（{t('doc.waived')}）" if is_waived(finding) else "")
                                    + f"{finding.rule}: {finding.message}")
            if not is_waived(finding):
                mark["active"] = True
                if mark["severity"] is None or SEVERITY_RANK[finding.severity] > SEVERITY_RANK[mark["severity"]]:
                    mark["severity"] = finding.severity
    return marks


def _suspects(groups: list[CorrectionGroup]) -> dict[str, tuple[str, str]]:
    """Cells a correction suspects: id → the value it would need, and the advice in words."""
    suspects: dict[str, tuple[str, str]] = {}
    for group in groups:
        for cell_id, (found, expected) in group.suspect_cells().items():
            suspects[cell_id] = (str(expected), t("html.suspect_advice", expected=expected,
                                                  found=t("html.blank_word") if found is None else found))
    return suspects


def _cell_data(report: Report, cell_id: str, marks: dict[str, dict[str, Any]],
               suspects: dict[str, tuple[str, str]]) -> list[Any]:
    """What the page needs to draw one cell: [text, classes, title, expected, rules, severity, active]."""
    cell = report.cells.get(cell_id)
    classes = ["cell"]
    text = cell.raw if cell is not None else ""
    title = [cell_id]
    if cell is not None and cell.span.line is not None:
        title.append(t("html.line", line=cell.span.line))
    if cell is None:
        classes.append("blank")
        text = "—"
    elif cell.state == "blank":
        classes.append("blank")
        text = t("notice.blank")
    expected = ""
    mark = marks.get(cell_id)
    suspect = suspects.get(cell_id)
    if suspect is not None:
        expected, advice = suspect
        classes.append("suspect")
        title.insert(1, advice)
    rules, severity, active = "", "", ""
    if mark:
        title += mark["messages"]
        severity = mark["severity"] or "error"
        if mark["active"]:
            classes += ["hit", severity]
            if suspect is None and mark["explained"]:
                classes.append("involved")  # in a failing sum a correction explains, not suspected
        else:
            classes.append("waived-cell")
        rules, active = " ".join(sorted(mark["rules"])), "1" if mark["active"] else "0"
    return [text, " ".join(classes), "\n".join(title), expected, rules, severity, active]


def _layouts(formats: set[str]) -> dict[str, dict[str, list[Any]]]:
    """Each format's tables as rows to draw: ``h`` header labels, ``gh`` a 表二 group with its
    column labels, ``g`` a group heading, ``r`` a row's label and cell ids. Written once."""
    out: dict[str, dict[str, list[Any]]] = {}
    for fmt in sorted(formats):
        try:
            template = templates.load(fmt)
        except KeyError:
            continue
        tables: dict[str, list[Any]] = {}
        for spec in template.tables:
            rows: list[Any] = []
            if spec.id == "t2":
                for group in spec.groups:
                    rows.append(["gh", group.label, [c.label for c in group.columns]])
                    rows += [["r", row.label, [f"t2.{row.id}.{c.id}" for c in group.columns]] for row in group.rows]
            else:
                columns = template.columns(spec.id)
                rows.append(["h", [t("notice.row")] + [c.label for c in columns]])
                group_labels = {g.id: g.label for g in spec.subgroups} if spec.id == "t3" else {}
                shown: set[str] = set()
                for row in template.rows(spec.id):
                    if row.group in group_labels and row.group not in shown:  # each heading once, where it starts
                        shown.add(row.group)
                        rows.append(["g", group_labels[row.group], len(columns) + 1])
                    rows.append(["r", row.label, [f"{spec.id}.{row.id}.{c.id}" for c in columns]])
            tables[spec.id] = rows
        tables["ids"] = template.cell_ids()  # the order of each document's plain values
        out[fmt] = tables
    return out


def _tables(doc: DocumentResult) -> str:
    """The tables as closed or open ``<details>`` the page draws from the document's cells."""
    report = doc.report
    if report is None or not report.cells:
        return ""
    marks = _cell_marks(doc)
    suspects = _suspects(correction_groups(doc)[0])
    fmt = report.format if report.format in templates.FORMATS else None
    order = templates.load(fmt).cell_ids() if fmt else []
    # Plain cells (not cited, not blank) as values in the format's cell order — the text, or
    # [text, line] — without their ids; the others in full under their id.
    special = set(marks) | set(suspects) | {cid for cid, c in report.cells.items() if c.state == "blank"}
    special |= set(report.cells) - set(order)
    cells = {cid: _cell_data(report, cid, marks, suspects) for cid in special}
    values: list[Any] = []
    for cid in order:
        cell = report.cells.get(cid)
        if cell is None or cid in special:
            values.append(None)
        else:
            values.append([cell.raw, cell.span.line] if cell.span.line is not None else cell.raw)
    parts = []
    for table in templates.TABLES:
        if not any(cid.startswith(table + ".") for cid in report.cells):
            continue
        hits = sum(1 for cid, m in marks.items() if cid.startswith(table + ".") and m["active"])
        suspected = sum(1 for cid in suspects if cid.startswith(table + "."))
        badge = t("html.table_badge", hits=hits) if hits else ""
        if hits and suspected:
            badge = t("html.table_badge_suspects", hits=hits, suspects=suspected)
        parts.append(f'<details {"open" if hits else ""} data-table="{table}"><summary>{_e(_table_title(table))}'
                     f"{_e(badge)}</summary></details>")
    if not parts:
        return ""
    if suspects:
        parts.insert(0, f'<p class="legend">{_e(t("html.legend.head"))}<span class="swatch" style="background:#c62828">'
                        f'</span>{_e(t("html.legend.suspect"))}<span class="swatch" style="background:#fdf0ef;'
                        f'outline:1px dashed #c62828"></span>{_e(t("html.legend.involved"))}<span class="swatch" '
                        f'style="background:#fde2e1;outline:2px solid #c62828"></span>{_e(t("html.legend.hit"))}</p>')
    data = {"f": fmt, "c": cells, "v": values}
    return "".join(parts) + f'<script type="application/json" class="cells">{script_json(data)}</script>'


def _correction_row(group: CorrectionGroup, number: int) -> str:
    """The advice a group of findings sits under; ties as a numbered list."""
    if len(group.options) == 1:
        body = _e(group.options[0].message)
    else:
        body = "<ol>" + "".join(f"<li>{_e(o.message)}</li>" for o in group.options) + "</ol>"
    rules = " ".join(sorted({f.rule for f in group.findings}))
    return (f'<tr class="correction" data-group="{number}" data-rules="{_e(rules)}"><td colspan="4">'
            f'<span class="fix">{_e(group.headline)}</span>：{body}</td></tr>')


def _finding_row(doc: DocumentResult, finding: Finding, titles: dict[str, str], run: AuditRun,
                 group: Optional[int] = None) -> str:
    where = f"{doc.path}:{finding.line}" if finding.line is not None else doc.path
    waived = is_waived(finding)
    word = _e(severity_word(finding.severity))
    badge = (f'<span class="sev waived">{_e(t("doc.waived"))}</span> <span class="sev {finding.severity}">{word}</span>'
             if waived else f'<span class="sev {finding.severity}">{word}</span>')
    status = rounds(run).of(doc, finding)
    if status:
        badge += f' <span class="round {status}">{_e(round_word(status))}</span>'
    message = _e(finding.message)
    if waived:
        w = finding.waived or {}
        message += "<br><small>" + _e(t("html.waiver", reason=w.get("reason"), approved_by=w.get("approved_by"),
                                        expires=w.get("expires"))) + "</small>"
    extra = f' data-group="{group}"' if group is not None else ""
    return (f'<tr class="finding{" waived" if waived else ""}{" explained" if group is not None else ""}" '
            f'data-severity="{finding.severity}" data-rule="{_e(finding.rule)}" '
            f'data-waived="{"1" if waived else "0"}"{extra}>'
            f"<td>{badge}</td><td title=\"{_e(titles.get(finding.rule, ''))}\">{_e(finding.rule)}</td>"
            f"<td>{message}</td><td>{_e(where)}</td></tr>")


def _ordered(findings: Any) -> list[Finding]:
    return sorted(findings, key=lambda f: (is_waived(f), -SEVERITY_RANK.get(f.severity, 0),
                                          f.line if f.line is not None else 0))


def _document(doc: DocumentResult, run: AuditRun, number: int, titles: dict[str, str], agency_start: bool) -> str:
    report = doc.report
    active = [f for f in doc.findings if not is_waived(f)]
    classes = ["doc"] + (["agency-start"] if agency_start else [])
    if doc.error is not None:
        classes.append("unreadable")
    elif not was_audited(doc):
        classes.append("not-audited")
    elif any(f.severity == "error" for f in active):
        classes.append("has-error")
    elif active:
        classes.append("has-warning")
    facts = [_e(document_key(doc, run))]
    if report is not None:
        facts += [_e(t("html.format", format=report.format)) if report.format else _e(t("html.no_format")),
                  _e(t(f"kind.{report.kind}"))]
        if report.level:
            facts.append(_e(t("html.level", level=report.level,
                              body=t("html.government") if report.government_report else t("html.department"))))
    if doc.sha256:
        facts.append(f"SHA-256 {doc.sha256[:16]}…")
    body: list[str] = []
    if doc.error is not None:
        body.append(f'<p class="read-error">{_e(t("doc.unreadable"))}：{_e(error_text(doc))}</p>'
                    f'<table class="findings" hidden><tr class="finding input-error" data-severity="error" '
                    f'data-rule="INPUT-ERROR" data-waived="0"><td></td></tr></table>')
    elif not was_audited(doc):
        body.append(f'<p class="src">{_e(not_audited_reason(doc))}</p>')
    else:
        groups, rest = correction_groups(doc)
        rows = []
        for position, group in enumerate(groups):  # findings a correction explains, under it
            rows.append(_correction_row(group, position))
            rows += [_finding_row(doc, f, titles, run, position) for f in _ordered(group.findings)]
        rows += [_finding_row(doc, f, titles, run) for f in _ordered(rest)]
        rows += [f'<tr class="fixed"><td><span class="round fixed">{_e(round_word("fixed"))}</span></td>'
                 f'<td>{_e(old["rule"])}</td><td>{_e(old["message"])}</td><td></td></tr>'
                 for old in rounds(run).fixed(doc)]
        if rows:
            body.append(f'<table class="findings"><thead><tr><th>{_e(t("html.col.severity"))}</th>'
                        f'<th>{_e(t("html.col.rule"))}</th><th>{_e(t("html.col.problem"))}</th>'
                        f'<th>{_e(t("html.col.where"))}</th></tr></thead><tbody>' + "".join(rows) + "</tbody></table>")
        else:
            body.append(f'<p class="clean">{_e(t("doc.clean"))}</p>')
        na = [o for o in doc.outcomes if o.status == "not_assessable"]
        if na:
            body.append(f'<p class="src">{_e(t("doc.not_assessable"))}：' + "、".join(
                _e(f"{o.rule.id}（{o.reason}）" if o.reason else o.rule.id) for o in na) + "</p>")
        body.append(_tables(doc))
    search = " ".join(filter(None, [report.agency if report else None, report.title if report else None,
                                    doc.path, report.level if report else None]))
    return (f'<article class="{" ".join(classes)}" id="doc-{number}" data-search="{_e(search)}">'
            f'<h2>{_e(document_title(doc))}</h2><p class="src">{" · ".join(facts)}</p>{"".join(body)}</article>')


def _dashboard(run: AuditRun, summary: dict[str, Any], titles: dict[str, str], anchors: dict[str, int]) -> str:
    counts = summary["findings"]
    cards = []
    if rounds(run).active:  # the round's counts lead
        view = rounds(run)
        cards += [(status, round_word(status), view.counts[status]) for status in ("new", "open", "fixed")]
    cards += [("documents", t("html.card.documents"), summary["documents"]),
              ("audited", t("html.card.audited"), summary["audited"]),
              ("unreadable", t("html.card.unreadable"), summary["unreadable"]),
              ("error", severity_word("error"), counts["error"]), ("warning", severity_word("warning"), counts["warning"]),
              ("waived", t("doc.waived"), summary["waived"]),
              ("failing", t("html.card.failing"), summary["failing_documents"])]
    card_html = "".join(f'<div class="card{f" {key}" if value else ""}" data-card="{key}"><b>{value}</b>{_e(label)}</div>'
                        for key, label, value in cards)
    severities = {f.rule: f.severity for d in run.documents for f in d.findings}
    rule_rows = "".join(
        f'<tr><td><span class="sev {severities.get(rule, "error")}">'
        f'{_e(severity_word(severities.get(rule, "error")))}</span> {_e(rule)}</td>'
        f'<td>{_e(titles.get(rule, ""))}</td><td class="num">{n}</td></tr>'
        for rule, n in sorted(summary["by_rule"].items(),  # errors first, then warnings; most found first
                              key=lambda kv: (-SEVERITY_RANK.get(severities.get(kv[0], "error"), 0), -kv[1], kv[0])))
    ordered = sorted(summary["by_agency"].items(),
                     key=lambda kv: (-kv[1]["error"], -kv[1]["warning"], natural_key(kv[0])))
    agency_rows = "".join(
        f'<tr><td>{_agency_link(agency, anchors)}</td><td class="num">{c["documents"]}</td>'
        f'<td class="num">{c["error"]}</td><td class="num">{c["warning"]}</td></tr>' for agency, c in ordered)
    notes = "".join(f"<li>{_e(note)}</li>" for note in waiver_notes(run))
    lead = f'<p class="round-lead">{_e(round_counts_text(run))}</p>' if round_counts_text(run) else ""
    none = _e(t("html.none"))
    return (f'<section id="dashboard">{lead}<div class="cards">{card_html}</div>'
            f'<div class="panel" id="by-rule"><h2>{_e(t("html.by_rule"))}</h2><table><thead><tr>'
            f'<th>{_e(t("html.col.rule"))}</th><th>{_e(t("github.md.what"))}</th><th>{_e(t("github.md.count"))}</th>'
            f'</tr></thead><tbody>{rule_rows or f"<tr><td colspan=3>{none}</td></tr>"}</tbody></table></div>'
            f'<div class="panel" id="by-agency"><h2>{_e(t("html.by_agency"))}</h2><table><thead><tr>'
            f'<th>{_e(t("csv.h.agency"))}</th><th>{_e(t("github.md.documents"))}</th><th>{_e(severity_word("error"))}'
            f'</th><th>{_e(severity_word("warning"))}</th></tr></thead><tbody>'
            f'{agency_rows or f"<tr><td colspan=4>{none}</td></tr>"}'
            f"</tbody></table></div>{f'<ul class=notes>{notes}</ul>' if notes else ''}</section>")


def _agency_link(agency: str, anchors: dict[str, int]) -> str:
    number = anchors.get(agency)
    return f'<a href="#doc-{number}">{_e(agency)}</a>' if number is not None else _e(agency)


def _filters(run: AuditRun, titles: dict[str, str]) -> str:
    rules = sorted({f.rule for d in run.documents for f in d.findings} |
                   ({"INPUT-ERROR"} if any(d.error for d in run.documents) else set()))
    options = "".join(f'<option value="{_e(r)}">{_e(r)} {_e(titles.get(r, ""))}</option>' for r in rules)
    return (f'<section id="filters"><label>{_e(t("html.col.severity"))} <select id="f-severity">'
            f'<option value="">{_e(t("html.all"))}</option>'
            f'<option value="error">{_e(severity_word("error"))}</option>'
            f'<option value="warning">{_e(t("html.warning_up"))}</option>'
            f'<option value="info">{_e(t("html.info_up"))}</option></select></label>'
            f'<label>{_e(t("html.col.rule"))} <select id="f-rule"><option value="">{_e(t("html.all_rules"))}</option>'
            f'{options}</select></label>'
            f'<label><input type="search" id="f-search" placeholder="{_e(t("html.search"))}"></label>'
            f'<label><input type="checkbox" id="f-waived" checked> {_e(t("html.show_waived"))}</label>'
            f'<label><input type="checkbox" id="f-clean"> {_e(t("html.only_problems"))}</label>'
            '<span id="visible-count"></span></section>')


def _meta_line(run: AuditRun) -> str:
    meta = run.meta
    parts = [f"auditor {_e(meta.get('tool', {}).get('version', ''))}"]
    if meta.get("created"):
        parts.append(_e(t("html.meta.created", created=meta["created"])))
    config = meta.get("config") or {}
    parts.append(_e(t("html.meta.config", path=config.get("path") or t("settings.from_default"))))
    parts += [_e(t("html.meta.pack", name=p.name, version=p.version, sha=p.sha256[:12])) for p in run.packs]
    parts.append(_e(t("html.meta.fail_on", level=meta.get("fail_on", "error"))))
    if (meta.get("baseline") or {}).get("path"):
        parts.append(_e(t("html.meta.baseline", path=meta["baseline"]["path"])))
    return " · ".join(parts)


def render_html(run: AuditRun, *, title: Optional[str] = None) -> str:
    summary = summarize(run)
    titles = rule_titles(run)
    heading = title or t("html.title")
    ordered = sorted(run.documents, key=lambda d: natural_key(document_key(d, run)))
    anchors: dict[str, int] = {}
    parts, previous = [], None
    for number, doc in enumerate(ordered):
        agency = doc.report.agency if doc.report is not None else None
        if agency:
            anchors.setdefault(agency, number)
        parts.append(_document(doc, run, number, titles, agency_start=number > 0 and agency != previous))
        previous = agency
    formats = {d.report.format for d in run.documents if d.report is not None and d.report.format in templates.FORMATS}
    record = script_json({"meta": run.meta, "summary": summary})
    lang = "en" if t("html.lang") == "en" else "zh-CN"
    return (f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(heading)}</title><style>{CSS}</style></head>"
            f'<body data-ready="0"><header><h1>{_e(heading)}</h1><p class="meta">{_meta_line(run)}</p></header>'
            f"{_dashboard(run, summary, titles, anchors)}{_filters(run, titles)}<main>{''.join(parts)}</main>"
            f'<script type="application/json" id="auditor-record">{record}</script>'
            f'<script type="application/json" id="auditor-layouts">{script_json(_layouts(formats))}</script>'
            f"<script>var COUNT={script_json(t('html.visible_count'))},LINE={script_json(t('html.line'))};"
            f"{SCRIPT}</script></body></html>\n")


class HtmlReporter:
    name = "html"
    suffix = ".html"
    description = "self-contained Chinese page: dashboard, agencies by errors, tables drawn on demand, filters, search"
    binary = False

    def render(self, run: AuditRun, *, color: bool = False) -> str:
        return render_html(run)


@hookimpl
def auditor_reporters() -> list[type]:
    return [HtmlReporter]

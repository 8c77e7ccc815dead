"""``--format html``: one self-contained Chinese page for a supervisor's browser.

A dashboard (documents, errors by rule, by agency), then every document with its findings and
its tables redrawn from the recognized cells under the printed labels of the national format,
failing cells highlighted. Findings a correction explains are listed under it, and the cells it
suspects are marked apart (with the value they would need) from cells merely involved in a
failing sum. Filters by severity and rule run in inline JavaScript and are kept
in the URL fragment (``#severity=error&rule=T3-BALANCE``) so a filtered view can be shared.
No external resources: the file is mailed around and opened offline.
"""

from __future__ import annotations

import html
from typing import Any, Optional

from auditor import templates
from auditor.hookspecs import hookimpl
from auditor.model import AuditRun, DocumentResult, Finding, Report
from auditor.reporters import (
    SEVERITY_RANK,
    SEVERITY_ZH,
    CorrectionGroup,
    correction_groups,
    document_key,
    document_title,
    is_waived,
    not_audited_reason,
    rule_titles,
    summarize,
    waiver_notes,
    was_audited,
)
from auditor.reporters.escape import script_json

TABLE_TITLES = {"t2": "表二 主动公开政府信息情况", "t3": "表三 收到和处理政府信息公开申请情况",
                "t4": "表四 政府信息公开行政复议、行政诉讼情况"}

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
"""

SCRIPT = """
(function(){
  var sev=document.getElementById('f-severity'), rule=document.getElementById('f-rule'),
      waived=document.getElementById('f-waived'), clean=document.getElementById('f-clean');
  var rank={info:0,warning:1,error:2};
  function apply(){
    var s=sev.value, r=rule.value, w=waived.checked, docs=0, shown=0;
    document.querySelectorAll('article.doc').forEach(function(doc){
      var visible=0;
      doc.querySelectorAll('tr.finding').forEach(function(tr){
        var ok=(!s||rank[tr.dataset.severity]>=rank[s])&&(!r||tr.dataset.rule===r)&&(w||tr.dataset.waived!=='1');
        tr.hidden=!ok; if(ok){visible++;}
      });
      doc.querySelectorAll('td.cell[data-rules]').forEach(function(td){
        var rules=td.dataset.rules.split(' '), hit=td.dataset.active==='1'&&(!r||rules.indexOf(r)>=0)
          &&(!s||rank[td.dataset.severity]>=rank[s]);
        td.classList.toggle('hit',hit);
      });
      doc.querySelectorAll('tr.correction').forEach(function(tr){
        var shown=doc.querySelectorAll('tr.finding[data-group="'+tr.dataset.group+'"]:not([hidden])').length;
        tr.hidden=shown===0;
      });
      var filtering=s||r||clean.checked, isErr=doc.classList.contains('unreadable');
      var hide=filtering&&visible===0&&!(isErr&&(!r||r==='INPUT-ERROR'));
      doc.hidden=hide; docs++; if(!hide){shown++;}
    });
    var total=document.querySelectorAll('tr.finding:not([hidden]):not(.input-error)').length;
    document.getElementById('visible-count').textContent='显示 '+shown+' / '+docs+' 份文档，'+total+' 条问题';
    var h=[]; if(s){h.push('severity='+s);} if(r){h.push('rule='+encodeURIComponent(r));}
    if(!w){h.push('waived=0');} if(clean.checked){h.push('clean=0');}
    history.replaceState(null,'',h.length?'#'+h.join('&'):location.pathname+location.search);
  }
  function fromHash(){
    location.hash.replace(/^#/,'').split('&').forEach(function(kv){
      var p=kv.split('='), v=decodeURIComponent(p[1]||'');
      if(p[0]==='severity'){sev.value=v;} if(p[0]==='rule'){rule.value=v;}
      if(p[0]==='waived'){waived.checked=v!=='0';} if(p[0]==='clean'){clean.checked=v==='0';}
    });
  }
  [sev,rule,waived,clean].forEach(function(el){el.addEventListener('change',apply);});
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
            mark["messages"].append(("（已豁免）" if is_waived(finding) else "") + f"{finding.rule}: {finding.message}")
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
            suspects[cell_id] = (str(expected), f"更正建议：应为{expected}（现为{'空' if found is None else found}）")
    return suspects


def _cell_td(report: Report, cell_id: str, marks: dict[str, dict[str, Any]],
             suspects: Optional[dict[str, tuple[str, str]]] = None) -> str:
    cell = report.cells.get(cell_id)
    classes = ["cell"]
    text = cell.raw if cell is not None else ""
    title = [cell_id]
    if cell is not None and cell.span.line is not None:
        title.append(f"第{cell.span.line}行")
    if cell is None:
        classes.append("blank")
        text = "—"
    elif cell.state == "blank":
        classes.append("blank")
        text = "（空）"
    attrs = ""
    mark = marks.get(cell_id)
    suspect = (suspects or {}).get(cell_id)
    if suspect is not None:
        expected, advice = suspect
        classes.append("suspect")
        title.insert(1, advice)
        attrs += f' data-expected="{_e(expected)}"'
    if mark:
        title += mark["messages"]
        severity = mark["severity"] or "error"
        if mark["active"]:
            classes += ["hit", severity]
            if suspect is None and mark["explained"]:
                classes.append("involved")  # in a failing sum a correction explains, not suspected
        else:
            classes.append("waived-cell")
        attrs += (f' data-rules="{_e(" ".join(sorted(mark["rules"])))}" data-severity="{severity}"'
                  f' data-active="{"1" if mark["active"] else "0"}"')
    return (f'<td class="{" ".join(classes)}" data-cell="{_e(cell_id)}" title="{_e(chr(10).join(title))}"{attrs}>'
            f"{_e(text)}</td>")


def _grid(report: Report, table: str, template: Any, marks: dict[str, dict[str, Any]],
          suspects: dict[str, tuple[str, str]]) -> str:
    def td(cell_id: str) -> str:
        return _cell_td(report, cell_id, marks, suspects)

    rows: list[str] = []
    if table == "t2":
        for group in template.t2_groups:
            head = "".join(f"<th>{_e(c.label)}</th>" for c in group.columns)
            rows.append(f'<tr class="group"><td>{_e(group.label)}</td>{head}</tr>')
            for row in group.rows:
                cells = "".join(td(f"t2.{row.id}.{c.id}") for c in group.columns)
                rows.append(f'<tr><td class="label">{_e(row.label)}</td>{cells}</tr>')
        return f'<table class="grid">{"".join(rows)}</table>'
    columns = template.columns(table)
    head = "<tr><th>项目</th>" + "".join(f"<th>{_e(c.label)}</th>" for c in columns) + "</tr>"
    group_labels = {g.id: g.label for g in getattr(template, "t3_groups", ())} if table == "t3" else {}
    shown: set[str] = set()
    for row in template.rows(table):
        if row.group in group_labels and row.group not in shown:  # each heading once, where it starts
            shown.add(row.group)
            rows.append(f'<tr class="group"><td colspan="{len(columns) + 1}">{_e(group_labels[row.group])}</td></tr>')
        cells = "".join(td(f"{table}.{row.id}.{c.id}") for c in columns)
        rows.append(f'<tr><td class="label">{_e(row.label)}</td>{cells}</tr>')
    return f'<table class="grid"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>'


def _tables(doc: DocumentResult) -> str:
    report = doc.report
    if report is None or not report.cells:
        return ""
    marks = _cell_marks(doc)
    suspects = _suspects(correction_groups(doc)[0])
    try:
        template = templates.load(report.format or "")
    except KeyError:
        template = None
    parts = []
    for table in templates.TABLES:
        if not any(cid.startswith(table + ".") for cid in report.cells):
            continue
        title = TABLE_TITLES[table]
        if template is not None:
            body = _grid(report, table, template, marks, suspects)
        else:  # legacy or unknown format: no printed layout to follow, list the cells
            body = "<table class=\"grid\">" + "".join(
                f'<tr><td class="label">{_e(cid)}</td>{_cell_td(report, cid, marks, suspects)}</tr>'
                for cid in report.cells if cid.startswith(table + ".")) + "</table>"
        hits = sum(1 for cid, m in marks.items() if cid.startswith(table + ".") and m["active"])
        suspected = sum(1 for cid in suspects if cid.startswith(table + "."))
        badge = f"（{hits} 个问题单元格" + (f"，其中 {suspected} 个疑似填错" if suspected else "") + "）" if hits else ""
        parts.append(f'<details {"open" if hits else ""} data-table="{table}"><summary>{_e(title)}{badge}</summary>'
                     f"{body}</details>")
    if suspects and parts:
        parts.insert(0, '<p class="legend">单元格标记：<span class="swatch" style="background:#c62828"></span>疑似填错'
                        '（箭头后为应填数值）<span class="swatch" style="background:#fdf0ef;outline:1px dashed #c62828">'
                        '</span>涉及不成立的勾稽关系<span class="swatch" style="background:#fde2e1;outline:2px solid '
                        '#c62828"></span>问题单元格</p>')
    return "".join(parts)


def _correction_row(group: CorrectionGroup, number: int) -> str:
    """The advice a group of findings sits under; ties as a numbered list."""
    if len(group.options) == 1:
        body = _e(group.options[0].message)
    else:
        body = "<ol>" + "".join(f"<li>{_e(o.message)}</li>" for o in group.options) + "</ol>"
    rules = " ".join(sorted({f.rule for f in group.findings}))
    return (f'<tr class="correction" data-group="{number}" data-rules="{_e(rules)}"><td colspan="4">'
            f'<span class="fix">{_e(group.headline)}</span>：{body}</td></tr>')


def _finding_row(doc: DocumentResult, finding: Finding, titles: dict[str, str], group: Optional[int] = None) -> str:
    where = f"{doc.path}:{finding.line}" if finding.line is not None else doc.path
    waived = is_waived(finding)
    badge = (f'<span class="sev waived">已豁免</span> <span class="sev {finding.severity}">'
             f"{SEVERITY_ZH.get(finding.severity, finding.severity)}</span>" if waived else
             f'<span class="sev {finding.severity}">{SEVERITY_ZH.get(finding.severity, finding.severity)}</span>')
    message = _e(finding.message)
    if waived:
        w = finding.waived or {}
        message += f"<br><small>豁免理由：{_e(w.get('reason'))}；批准人：{_e(w.get('approved_by'))}；" \
                   f"有效期至：{_e(w.get('expires'))}</small>"
    extra = f' data-group="{group}"' if group is not None else ""
    return (f'<tr class="finding{" waived" if waived else ""}{" explained" if group is not None else ""}" '
            f'data-severity="{finding.severity}" data-rule="{_e(finding.rule)}" '
            f'data-waived="{"1" if waived else "0"}"{extra}>'
            f"<td>{badge}</td><td title=\"{_e(titles.get(finding.rule, ''))}\">{_e(finding.rule)}</td>"
            f"<td>{message}</td><td>{_e(where)}</td></tr>")


def _ordered(findings: Any) -> list[Finding]:
    return sorted(findings, key=lambda f: (is_waived(f), -SEVERITY_RANK.get(f.severity, 0),
                                          f.line if f.line is not None else 0))


def _document(doc: DocumentResult, run: AuditRun, number: int, titles: dict[str, str]) -> str:
    report = doc.report
    active = [f for f in doc.findings if not is_waived(f)]
    classes = ["doc"]
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
        facts += [f"{_e(report.format)}格式" if report.format else "格式未识别",
                  {"annual-report": "年度报告", "legacy-report": "旧式年度报告"}.get(report.kind, "非年度报告")]
    if doc.sha256:
        facts.append(f"SHA-256 {doc.sha256[:16]}…")
    body: list[str] = []
    if doc.error is not None:
        body.append(f'<p class="read-error">无法读取或识别：{_e(doc.error)}</p>'
                    f'<table class="findings" hidden><tr class="finding input-error" data-severity="error" '
                    f'data-rule="INPUT-ERROR" data-waived="0"><td></td></tr></table>')
    elif not was_audited(doc):
        body.append(f'<p class="src">{_e(not_audited_reason(doc))}</p>')
    else:
        groups, rest = correction_groups(doc)
        rows = []
        for number, group in enumerate(groups):  # findings a correction explains, under it
            rows.append(_correction_row(group, number))
            rows += [_finding_row(doc, f, titles, number) for f in _ordered(group.findings)]
        rows += [_finding_row(doc, f, titles) for f in _ordered(rest)]
        if rows:
            body.append('<table class="findings"><thead><tr><th>级别</th><th>规则</th><th>问题</th><th>位置</th>'
                        "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>")
        else:
            body.append('<p class="clean">✓ 未发现问题</p>')
        na = [o for o in doc.outcomes if o.status == "not_assessable"]
        if na:
            body.append('<p class="src">无法评估：' + "、".join(
                _e(f"{o.rule.id}（{o.reason}）" if o.reason else o.rule.id) for o in na) + "</p>")
        body.append(_tables(doc))
    return (f'<article class="{" ".join(classes)}" id="doc-{number}"><h2>{_e(document_title(doc))}</h2>'
            f'<p class="src">{" · ".join(facts)}</p>{"".join(body)}</article>')


def _dashboard(run: AuditRun, summary: dict[str, Any], titles: dict[str, str]) -> str:
    counts = summary["findings"]
    cards = [("documents", "文档", summary["documents"]), ("audited", "已审核", summary["audited"]),
             ("unreadable", "无法读取", summary["unreadable"]), ("error", "错误", counts["error"]),
             ("warning", "警告", counts["warning"]), ("waived", "已豁免", summary["waived"]),
             ("failing", "存在错误的文档", summary["failing_documents"])]
    card_html = "".join(f'<div class="card{f" {key}" if value else ""}" data-card="{key}"><b>{value}</b>{label}</div>'
                        for key, label, value in cards)
    severities = {f.rule: f.severity for d in run.documents for f in d.findings}
    rule_rows = "".join(
        f'<tr><td><span class="sev {severities.get(rule, "error")}">'
        f'{SEVERITY_ZH.get(severities.get(rule, "error"), "")}</span> {_e(rule)}</td>'
        f'<td>{_e(titles.get(rule, ""))}</td><td class="num">{n}</td></tr>'
        for rule, n in sorted(summary["by_rule"].items(), key=lambda kv: (-kv[1], kv[0])))
    agency_rows = "".join(
        f'<tr><td>{_e(agency)}</td><td class="num">{c["documents"]}</td><td class="num">{c["error"]}</td>'
        f'<td class="num">{c["warning"]}</td></tr>' for agency, c in summary["by_agency"].items())
    notes = "".join(f"<li>{_e(note)}</li>" for note in waiver_notes(run))
    return (f'<section id="dashboard"><div class="cards">{card_html}</div>'
            f'<div class="panel" id="by-rule"><h2>按规则统计</h2><table><thead><tr><th>规则</th><th>说明</th>'
            f'<th>问题数</th></tr></thead><tbody>{rule_rows or "<tr><td colspan=3>无</td></tr>"}</tbody></table></div>'
            f'<div class="panel" id="by-agency"><h2>按机关统计</h2><table><thead><tr><th>机关</th><th>文档</th>'
            f'<th>错误</th><th>警告</th></tr></thead><tbody>{agency_rows or "<tr><td colspan=4>无</td></tr>"}'
            f"</tbody></table></div>{f'<ul class=notes>{notes}</ul>' if notes else ''}</section>")


def _filters(run: AuditRun, titles: dict[str, str]) -> str:
    rules = sorted({f.rule for d in run.documents for f in d.findings} |
                   ({"INPUT-ERROR"} if any(d.error for d in run.documents) else set()))
    options = "".join(f'<option value="{_e(r)}">{_e(r)} {_e(titles.get(r, ""))}</option>' for r in rules)
    return ('<section id="filters"><label>级别 <select id="f-severity"><option value="">全部</option>'
            '<option value="error">错误</option><option value="warning">警告及以上</option>'
            '<option value="info">提示及以上</option></select></label>'
            f'<label>规则 <select id="f-rule"><option value="">全部规则</option>{options}</select></label>'
            '<label><input type="checkbox" id="f-waived" checked> 显示已豁免</label>'
            '<label><input type="checkbox" id="f-clean"> 只看有问题的文档</label>'
            '<span id="visible-count"></span></section>')


def _meta_line(run: AuditRun) -> str:
    meta = run.meta
    parts = [f"auditor {_e(meta.get('tool', {}).get('version', ''))}"]
    if meta.get("created"):
        parts.append(f"生成于 {_e(meta['created'])}")
    config = meta.get("config") or {}
    parts.append(f"配置 {_e(config.get('path') or '（默认）')}")
    parts += [f"规则包 {_e(p.name)} v{p.version} sha256:{_e(p.sha256[:12])}…" for p in run.packs]
    parts.append(f"失败级别 {_e(meta.get('fail_on', 'error'))}")
    return " · ".join(parts)


def render_html(run: AuditRun, *, title: Optional[str] = None) -> str:
    summary = summarize(run)
    titles = rule_titles(run)
    heading = title or "政府信息公开工作年度报告审核结果"
    documents = "".join(_document(doc, run, i, titles) for i, doc in enumerate(run.documents))
    record = script_json({"meta": run.meta, "summary": summary})
    return (f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(heading)}</title><style>{CSS}</style></head>"
            f'<body data-ready="0"><header><h1>{_e(heading)}</h1><p class="meta">{_meta_line(run)}</p></header>'
            f"{_dashboard(run, summary, titles)}{_filters(run, titles)}<main>{documents}</main>"
            f'<script type="application/json" id="auditor-record">{record}</script>'
            f"<script>{SCRIPT}</script></body></html>\n")


class HtmlReporter:
    name = "html"
    suffix = ".html"
    description = "self-contained Chinese page: dashboard, tables redrawn with failing cells, filters"
    binary = False

    def render(self, run: AuditRun, *, color: bool = False) -> str:
        return render_html(run)


@hookimpl
def auditor_reporters() -> list[type]:
    return [HtmlReporter]

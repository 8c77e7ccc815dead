"""Write the recognizer golden files for the seeds: ``python tests/golden/make_golden.py``.

Only for re-baselining after a deliberate change: every value in these files was checked by
reading the seed it comes from; review the diff before committing.
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from auditor.reading import load_reports  # noqa: E402

GOLDEN_KEYS = ("index", "kind", "agency", "year", "format", "title", "published", "sections", "tables",
               "government_report", "cells")


def golden_of(path: Path) -> list[dict]:
    documents = []
    for report in load_reports(path):
        data = report.to_json()
        entry = {key: data[key] for key in GOLDEN_KEYS}
        entry["period"] = [report.period.start, report.period.end] if report.period else None
        entry["contact"] = {"phones": list(report.contact.phones), "emails": list(report.contact.emails)}
        entry["standard_headings"] = {s.number: s.standard for s in report.sections}
        entry["blank"] = sorted(cid for cid, cell in report.cells.items() if cell.state == "blank")
        documents.append(entry)
    return documents


if __name__ == "__main__":
    for seed in sorted((ROOT / "examples" / "reports").glob("*.txt")):
        target = Path(__file__).parent / (seed.stem + ".json")
        target.write_text(json.dumps(golden_of(seed), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print("wrote", target.relative_to(ROOT))

"""Every built-in reporter is a plugin, and every input appears in every output."""

from __future__ import annotations

import pytest

from auditor import plugins

BUILTIN = ("console", "json", "junit", "sarif", "html", "csv", "github")


def test_builtins_registered_as_plugins():
    found = plugins.reporters()
    for name in BUILTIN:
        reporter = found[name].obj
        assert found[name].plugin == f"auditor.reporters.{name}"
        assert reporter.suffix.startswith(".") and reporter.description
        assert isinstance(reporter.binary, bool)


@pytest.mark.parametrize("name", BUILTIN)
def test_nothing_lost(run, name):
    reporter = plugins.reporters()[name].obj
    output = reporter.render(run)
    text = output.decode("utf-8-sig") if reporter.binary else output
    assert isinstance(output, bytes) == reporter.binary
    for doc in run.documents:
        assert doc.path in text, f"{name} lost {doc.path}"
    assert "文件为空" in text and "bad zip header" in text  # read failures shown in Chinese


def test_notice_is_a_folder_reporter_plugin(run):
    import io
    import zipfile

    loaded = plugins.reporters()["notice"]
    assert loaded.plugin == "auditor.reporters.notice" and loaded.obj.folder and loaded.obj.binary
    names = [name for name, _ in loaded.obj.files(run)]
    assert names[-1] == "通知清单.csv" and "整改通知-白银市平川区.docx" in names
    with zipfile.ZipFile(io.BytesIO(loaded.obj.render(run))) as archive:
        assert archive.namelist() == names
        index = archive.read("通知清单.csv").decode("utf-8-sig")
    for doc in run.documents:
        assert doc.path in index, f"notice index lost {doc.path}"

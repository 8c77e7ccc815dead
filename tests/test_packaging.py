"""The wheel carries rules, schemas, templates and grammar; the installed command works from
outside the checkout."""

import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUN_PARSE = ("import sys; from auditor.cli import main; "
             "sys.argv = ['auditor', 'parse', '--format', 'json', sys.argv[1]]; main()")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(out), str(ROOT)], check=True, capture_output=True)
    return next(out.glob("auditor-*.whl"))


def test_wheel_contains_data(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "auditor/templates/2019.toml" in names and "auditor/templates/2021.toml" in names
    assert "auditor/data/schemas/report.schema.json" in names
    assert any(n.startswith("auditor/data/rules/") for n in names)
    assert any(n.endswith(".lark") for n in names)


def test_installed_command_runs_outside_checkout(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    bin_dir = venv / "bin"
    python = bin_dir / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    # Dependencies come from this test environment (no network needed); auditor itself only
    # from the wheel, unpacked into the fresh environment.
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    zipfile.ZipFile(wheel).extractall(site)
    completed = subprocess.run(
        [str(python), "-c", RUN_PARSE, str(ROOT / "examples" / "reports" / "002_0739bad8c8b1aa45.txt")],
        capture_output=True, text=True, cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert '"agency": "南江县人民政府办公室"' in completed.stdout
    located = subprocess.run([str(python), "-c", "import auditor, auditor.resources as r; print(auditor.__file__); "
                              "print(r.data_path('rules'))"], capture_output=True, text=True, cwd=tmp_path)
    assert str(site) in located.stdout and str(ROOT) not in located.stdout

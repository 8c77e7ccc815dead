"""Copy the top-level ``rules/`` and ``schemas/`` into the wheel as ``auditor/data/``.

They live at the top of the repository so rule authors find them, but an installed auditor
must carry them; ``auditor.resources`` loads them from either place.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).parent


class BuildPyWithData(build_py):
    def run(self) -> None:
        super().run()
        for name in ("rules", "schemas"):
            source = HERE / name
            if source.is_dir():
                target = Path(self.build_lib) / "auditor" / "data" / name
                shutil.copytree(source, target, dirs_exist_ok=True,
                                ignore=shutil.ignore_patterns("__pycache__"))


setup(cmdclass={"build_py": BuildPyWithData})

"""Progress of a batch on standard error.

On a terminal: a tqdm bar with the rate and the time left (tqdm rather than rich: one small
dependency-free package, and its bar already shows rate and ETA). Elsewhere — a CI log, a
redirected stream — one plain line every few seconds, so a long run is never silent until the
end and the log is not flooded with carriage returns.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any, Callable, Optional, TextIO

from auditor.i18n import t

LOG_INTERVAL = 5.0  # seconds between lines in a log


def _duration(seconds: float) -> str:
    seconds = int(max(seconds, 0))
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return t("progress.hms", h=hours, m=minutes, s=secs)
    if minutes:
        return t("progress.ms", m=minutes, s=secs)
    return t("progress.s", s=secs)


class Progress:
    """Called with (done, total, path) after each file; ``close()`` at the end."""

    def __init__(self, total: int, *, enabled: bool, stream: Optional[TextIO] = None,
                 interval: float = LOG_INTERVAL, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream or sys.stderr
        self.total = total
        self.interval = interval
        self.clock = clock
        self.started = clock()
        self.last_line = self.started
        self.bar: Any = None
        self.log = False
        if not enabled or total <= 1:
            return
        if _is_terminal(self.stream):
            from tqdm import tqdm

            self.bar = tqdm(total=total, file=self.stream, unit=t("progress.unit"), dynamic_ncols=True,
                            leave=False, smoothing=0.1, mininterval=0.2)
        else:
            self.log = True

    def __call__(self, done: int, total: int, path: str) -> None:
        if self.bar is not None:
            self.bar.update(done - self.bar.n)
            from auditor.reporters.escape import terminal

            self.bar.set_postfix_str(terminal(os.path.basename(path)[:30]), refresh=False)
            return
        if not self.log:
            return
        now = self.clock()
        if now - self.started < self.interval or (now - self.last_line < self.interval and done < total):
            return  # a run shorter than the interval prints nothing; the last file always a line
        self.last_line = now
        elapsed = max(now - self.started, 1e-9)
        rate = done / elapsed
        left = (total - done) / rate if rate > 0 else 0
        self.stream.write(t("progress.line", done=done, total=total, percent=100 * done // max(total, 1),
                            rate=f"{rate:.1f}", elapsed=_duration(elapsed), left=_duration(left)) + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty() and os.environ.get("TERM") != "dumb"
    except (AttributeError, ValueError):
        return False

"""Chinese names in the monthly chart with nothing but `pip install`: a fresh interpreter with
an empty matplotlib cache and no system CJK font consulted renders the chart through the
shipped font, with no missing-glyph warning, and the names are not tofu."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PROBE = r"""
import json, logging, warnings

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.reports import compliance_chart
from tests.test_compliance_reports import _team

# A machine with no CJK font: whatever this one has installed is not looked at.
compliance_chart.system_cjk_font = lambda: None


class Keep(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())


kept = Keep()
logging.getLogger().addHandler(kept)


def pixels(text, families):
    fig = Figure(figsize=(2, 0.6), dpi=100)
    canvas = FigureCanvasAgg(fig)
    fig.text(0.05, 0.3, text, fontsize=20, fontfamily=families)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba()).copy()


with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    pages = compliance_chart.render_pages(_team(6), "zh")
    fonts = compliance_chart.font_families()
    names = [pixels(c, fonts) for c in "王明"]
    together = pixels("王小明", fonts)
chart_warnings = [str(w.message) for w in caught] + kept.lines
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # the tofu rendering warns, as it should
    tofu = [pixels(c, ["DejaVu Sans"]) for c in "王明"]
    tofu_together = pixels("王小明", ["DejaVu Sans"])
print(json.dumps({
    "fonts": fonts,
    "pages": len(pages),
    "png": pages[0][:8].hex(),
    "warnings": chart_warnings,
    "tofu_alike": bool((tofu[0] == tofu[1]).all()),
    "glyphs_differ": bool((names[0] != names[1]).any()),
    "differs_from_tofu": bool((together != tofu_together).any()),
}))
"""


def test_chinese_names_render_in_a_clean_state_through_the_shipped_font(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "MPLCONFIGDIR": str(tmp_path / "mpl"), "PYTHONPATH": str(root)}
    run = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["fonts"] == ["DejaVu Sans", "Outpost Sans SC"]
    assert result["pages"] == 1 and result["png"] == "89504e470d0a1a0a"
    assert result["warnings"] == [], result["warnings"]
    assert "missing from font" not in run.stderr and "findfont" not in run.stderr
    # The probe can tell: tofu boxes of different characters are the same box...
    assert result["tofu_alike"]
    # ...while the shipped font draws each character, and the name is not tofu.
    assert result["glyphs_differ"] and result["differs_from_tofu"]

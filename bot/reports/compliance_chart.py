"""The monthly attendance chart: a member × day grid coloured by status, as PNG bytes.

Uses matplotlib's object API on the Agg canvas (no pyplot global state, safe off the main
thread). Labels come from the catalog in the reader's language, drawn with a font that has
Chinese glyphs: an installed one when the system has it, else the subset of Noto Sans CJK SC
shipped in bot/reports/fonts/ (GB 2312 + Latin, OFL), so a plain `pip install` renders
Chinese names instead of boxes.

Large teams are split into pages of at most ``MEMBERS_PER_PAGE`` members so every name stays
legible and the image stays within Telegram's photo limits (width + height <= 10000 px).
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font
from matplotlib.patches import Patch

from bot.i18n import t
from bot.reports.compliance_colors import STATUS_COLORS
from bot.reports.compliance_table import display_width
from bot.rules.compliance import DayStatus, MemberMonth, TeamMonth

MEMBERS_PER_PAGE = 60
DPI = 110
# Families known to carry CJK glyphs, most preferred first.
_CJK_HINTS = (
    "Noto Sans CJK",
    "Noto Sans SC",
    "Source Han Sans",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
    "AR PL UMing",
    "AR PL UKai",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
)
BUNDLED_FONT = Path(__file__).with_name("fonts") / "OutpostSansSC-Regular.otf"
_FILE_HINTS = ("cjk", "wqy", "droidsansfallback", "sourcehan", "uming", "ukai", "simhei", "msyh")
_PROBE = "中"
_STATUS_ORDER = list(DayStatus)


def _covers_cjk(path: str) -> bool:
    try:
        return ord(_PROBE) in FT2Font(path).get_charmap()
    except Exception:  # an unreadable font file is simply not a candidate
        return False


def system_cjk_font() -> str | None:
    """The family name of an installed font with Chinese glyphs, or None."""
    entries = sorted(
        font_manager.fontManager.ttflist,
        key=lambda f: next((i for i, h in enumerate(_CJK_HINTS) if h in f.name), len(_CJK_HINTS)),
    )
    for entry in entries:
        if any(h in entry.name for h in _CJK_HINTS) and _covers_cjk(entry.fname):
            return str(entry.name)
    # matplotlib's font cache predates a font installed later: look at the files directly.
    for path in font_manager.findSystemFonts():
        if any(h in Path(path).name.lower() for h in _FILE_HINTS) and _covers_cjk(path):
            font_manager.fontManager.addfont(path)
            return str(font_manager.FontProperties(fname=path).get_name())
    return None


def bundled_cjk_font() -> str:
    """Registers the shipped subset with matplotlib; returns its family name."""
    font_manager.fontManager.addfont(str(BUNDLED_FONT))
    return str(font_manager.FontProperties(fname=str(BUNDLED_FONT)).get_name())


@cache
def cjk_font() -> str:
    """The font for Chinese labels: a system one when installed (it may cover rarer
    characters than GB 2312), else the shipped subset."""
    return system_cjk_font() or bundled_cjk_font()


def font_families() -> list[str]:
    # DejaVu first for Latin text and symbols, the CJK font as fallback for the rest.
    return ["DejaVu Sans", cjk_font()]


def render_pages(tm: TeamMonth, lang: str) -> list[bytes]:
    """PNG bytes of the chart, one image per page of members (one page for <= 60)."""
    members = list(tm.members)
    pages = [members[i : i + MEMBERS_PER_PAGE] for i in range(0, len(members), MEMBERS_PER_PAGE)]
    pages = pages or [[]]
    # Room for the team's longest name at 10 pt (CJK counts double), the same on every page.
    left_in = 0.3 + 0.075 * max((display_width(m.name) for m in members), default=4)
    return [
        _render(tm, page, lang, n + 1 if len(pages) > 1 else None, len(pages), left_in)
        for n, page in enumerate(pages)
    ]


def days_label(m: MemberMonth, tm: TeamMonth) -> tuple[str, bool]:
    """A row's days on site and whether that is short: against the member's own minimum,
    shown as "done/owed" where it differs from the team's (a mid-month joiner)."""
    owed = m.min_days or tm.policy.min_days
    text = f" {m.days_on_site}" if owed == tm.policy.min_days else f" {m.days_on_site}/{owed}"
    return text, m.days_on_site < owed


# Fixed margins in inches (a layout engine would cost a second full draw per chart).
_TOP_IN, _BOTTOM_IN, _RIGHT_IN, _CELL_IN = 1.0, 1.05, 1.5, 0.3


def _render(
    tm: TeamMonth, members: list, lang: str, page: int | None, pages: int, left_in: float
) -> bytes:
    n_days, n_rows = len(tm.days), max(1, len(members))
    names = [m.name for m in members]
    # A cell is 0.3 in: 30 members × 31 days is about 14 × 12 in, 1500 × 1300 px.
    width = left_in + _RIGHT_IN + _CELL_IN * n_days
    height = _TOP_IN + _BOTTOM_IN + _CELL_IN * n_rows
    fig = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(fig)
    fig.subplots_adjust(
        left=left_in / width,
        right=1 - _RIGHT_IN / width,
        top=1 - _TOP_IN / height,
        bottom=_BOTTOM_IN / height,
    )
    fonts = font_families()
    ax = fig.add_subplot()
    index = {s: i for i, s in enumerate(_STATUS_ORDER)}
    grid = [[index[s] for s in m.grid] for m in members] or [[index[DayStatus.FUTURE]] * n_days]
    cmap = ListedColormap([STATUS_COLORS[s] for s in _STATUS_ORDER])
    ax.imshow(
        grid,
        cmap=cmap,
        vmin=-0.5,
        vmax=len(_STATUS_ORDER) - 0.5,
        aspect="auto",
        interpolation="nearest",
    )
    # White lines between cells make single days countable.
    ax.vlines([x - 0.5 for x in range(1, n_days)], -0.5, n_rows - 0.5, color="white", lw=1.2)
    ax.hlines([y - 0.5 for y in range(1, n_rows)], -0.5, n_days - 0.5, color="white", lw=1.2)
    ax.set_xticks(range(n_days), [str(d.day) for d in tm.days], fontsize=9)
    ax.set_yticks(range(len(names)), names, fontsize=10, fontfamily=fonts)
    # Day numbers above and below: a 30-row grid is read from either end.
    ax.tick_params(axis="x", top=True, labeltop=True, bottom=True, labelbottom=True)
    ax.tick_params(length=0)
    # Days on site per member at the right end of each row, against the policy minimum.
    for y, m in enumerate(members):
        label, short = days_label(m, tm)
        ax.text(
            n_days - 0.2, y, label, va="center", ha="left", fontsize=10,
            fontweight="bold" if short else "normal", color="#d7301f" if short else "#222222",
        )  # fmt: skip
    ax.text(
        n_days - 0.2, -1.1, " " + t(lang, "compliance.chart.days_column", min=tm.policy.min_days),
        va="bottom", ha="left", fontsize=9, fontfamily=fonts,
    )  # fmt: skip
    for spine in ax.spines.values():
        spine.set_visible(False)
    title = t(lang, "compliance.chart.title", team=tm.team_name, month=tm.label)
    if page is not None:
        title += " · " + t(lang, "compliance.chart.page", page=page, pages=pages)
    fig.text(0.5, 1 - 0.12 / height, title, ha="center", va="top", fontsize=15, fontfamily=fonts)
    handles = [
        Patch(
            facecolor=STATUS_COLORS[s],
            edgecolor="#666666",
            label=t(lang, f"compliance.status.{s.value}"),
        )
        for s in _STATUS_ORDER
    ]
    fig.legend(
        handles=handles,
        loc="lower center",
        bbox_to_anchor=(0.5, 0.05 / height),
        ncol=4,
        frameon=False,
        prop={"family": fonts, "size": 10},
    )
    buf = io.BytesIO()
    # Flat colours compress well even at a fast setting; the default level costs ~0.4 s.
    fig.savefig(buf, format="png", dpi=DPI, pil_kwargs={"compress_level": 3})
    return buf.getvalue()

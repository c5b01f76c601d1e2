"""Rebuilds the chart font shipped with Outpost: a subset of Noto Sans CJK SC (SIL Open Font
License 1.1, see OFL.txt beside it) with every character of GB 2312, Latin, common
punctuation and every character of the message catalog, so Chinese names and labels render
in the charts with nothing but `pip install`.

    python -m bot.reports.fonts.build /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc

The source is Debian's `fonts-noto-cjk` (or NotoSansCJKsc-Regular.otf from
github.com/googlefonts/noto-cjk). The subset is renamed "Outpost Sans SC": a modified
version does not carry the original's name ("Noto" is Google's trademark). Layout tables
(GSUB/GPOS) and hinting are dropped: matplotlib neither shapes nor hints CJK text, and
they would triple the file. The output is byte-for-byte reproducible from the same source.
"""

from __future__ import annotations

import argparse
import unicodedata
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

from bot.i18n import catalog

FAMILY = "Outpost Sans SC"
POSTSCRIPT = "OutpostSansSC-Regular"
OUTPUT = Path(__file__).with_name(f"{POSTSCRIPT}.otf")
SOURCE_FAMILY = "Noto Sans CJK SC"
LATIN_AND_PUNCTUATION = (
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x017F),  # Latin-1 and Latin Extended-A (pinyin tone marks among them)
    (0x01CD, 0x01DC),  # pinyin with caron (ǎ ǐ ǒ ǔ ǚ...)
    (0x2000, 0x206F),  # general punctuation: dashes, quotes, ellipsis
    (0x2190, 0x21FF),  # arrows
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0xFF00, 0xFFEF),  # full-width forms
)


def gb2312() -> set[str]:
    """Every character of GB 2312 (6,763 hanzi and 682 symbols), from Python's codec."""
    chars = set()
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(bytes((high, low)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


def wanted() -> set[int]:
    chars = gb2312()
    for first, last in LATIN_AND_PUNCTUATION:
        chars.update(chr(c) for c in range(first, last + 1))
    for texts in catalog().values():
        chars.update(texts.get("zh", ""))
    # Control and format characters have no glyph to keep.
    return {ord(c) for c in chars if unicodedata.category(c)[0] != "C"}


def source_font(path: Path) -> TTFont:
    """The Simplified Chinese face: an .otf as is, or the SC member of a .ttc collection."""
    if path.suffix.lower() != ".ttc":
        return TTFont(path)
    for font in TTCollection(path).fonts:
        if font["name"].getDebugName(1) == SOURCE_FAMILY:
            return font
    raise SystemExit(f"{path} has no {SOURCE_FAMILY!r} face")


def rename(font: TTFont) -> None:
    names = font["name"]
    for name_id, value in (
        (1, FAMILY),
        (3, f"{POSTSCRIPT};subset of NotoSansCJKsc-Regular"),
        (4, FAMILY),
        (6, POSTSCRIPT),
        (16, FAMILY),
        (17, "Regular"),
    ):
        names.removeNames(nameID=name_id)
        names.setName(value, name_id, 3, 1, 0x409)
    names.removeNames(nameID=7)  # the trademark line belongs to the original
    names.setName(
        "Subset of Noto Sans CJK SC for Outpost's charts: GB 2312, Latin, punctuation.",
        10,
        3,
        1,
        0x409,
    )
    cff = font["CFF "].cff
    cff.fontNames = [POSTSCRIPT]
    top = cff.topDictIndex[0]
    top.FullName = FAMILY
    top.FamilyName = FAMILY


def build(source: Path, output: Path = OUTPUT) -> int:
    font = source_font(source)
    options = subset.Options()
    options.hinting = False
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "VORG", "vhea", "vmtx", "DSIG"]
    options.name_IDs = ["*"]
    options.name_languages = [0x409]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(wanted()))
    subsetter.subset(font)
    rename(font)
    font.recalcTimestamp = False  # reproducible bytes
    font.save(output)
    return output.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="NotoSansCJK-Regular.ttc or NotoSansCJKsc-*.otf")
    parser.add_argument("--out", type=Path, default=OUTPUT)
    args = parser.parse_args()
    size = build(args.source, args.out)
    print(f"{args.out}: {size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()

"""One colour per day status, shared by the chart and the workbook so they read alike.
Chosen to stay distinguishable for the common red-green colour blindness: presence is
blue/teal, trouble is orange/red with different lightness, and "nothing expected" is grey."""

from bot.rules.compliance import DayStatus

STATUS_COLORS: dict[DayStatus, str] = {
    DayStatus.ON_SITE: "#2b8cbe",
    DayStatus.LATE: "#fdae61",
    DayStatus.MADE_UP: "#7fcdbb",
    DayStatus.OUT_OF_AREA: "#9e6ebd",
    DayStatus.LEAVE: "#fee090",
    DayStatus.MISSED: "#d7301f",
    DayStatus.OFF: "#bdbdbd",
    DayStatus.FUTURE: "#f7f7f7",
    # Not white like days to come: a pale hatch-free slate, so the legend tells them apart.
    DayStatus.NOT_MEMBER: "#dfe6ee",
}

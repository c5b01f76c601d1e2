"""Notices sent late after the bot was down, the evening check's own words, the roll-call
draw's admin log."""

MESSAGES = {
    "late.note": {
        "en": "⌛ Sent late: this was due {due} ({tz}), while the bot was offline.",
        "zh": "⌛ 延迟送达：本消息原定于 {due}（{tz}）发送，当时机器人处于离线状态。",
    },
    "alert.evening_out_of_area": {
        "en": "⚠️ Evening check out of area: {name} ({team}) at {time}, {distance} from the "
        "site: not a night on site.",
        "zh": "⚠️ 晚间核查不在驻点范围：{name}（{team}）于 {time}，距驻点 {distance}，"
        "不计为在岗住宿。",
    },
    "summary.evening.title": {
        "en": "🌙 Evening check ({start}–{end}):",
        "zh": "🌙 晚间在岗核查（{start}–{end}）：",
    },
    "summary.evening.present": {"en": "• On site: {n}", "zh": "• 在驻点：{n}"},
    "summary.evening.away": {"en": "• Out of area: {n}", "zh": "• 不在驻点范围：{n}"},
    "summary.evening.away_line": {"en": "  {name}: {reason}", "zh": "  {name}：{reason}"},
    "summary.evening.not_yet": {
        "en": "• No evening location yet: {n}",
        "zh": "• 尚未发送晚间位置：{n}",
    },
    "summary.evening.missing": {
        "en": "• No evening location: {n}",
        "zh": "• 未发送晚间位置：{n}",
    },
    "summary.unreachable": {
        "en": "📵 Unreachable (blocked the bot, no reminders or roll calls reach them): {n}",
        "zh": "📵 无法联系（已屏蔽机器人，收不到提醒和点名）：{n}",
    },
}

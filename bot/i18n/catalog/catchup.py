"""Notices sent late after the bot was down, the evening check's own words, the roll-call
draw's admin log."""

MESSAGES = {
    "late.note": {
        "en": "⌛ Sent late: this was due {due} ({tz}), while the bot was offline.",
        "zh": "⌛ 延迟送达：本消息原定于 {due}（{tz}）发送，当时机器人处于离线状态。",
    },
}

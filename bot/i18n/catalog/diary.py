"""The work diary, for members, and the diary reader for supervisors."""

MESSAGES = {
    "diary.members_only": {
        "en": "The work diary is for members stationed with a team.",
        "zh": "工作日志仅供驻点工作队队员使用。",
    },
    "diary.opened": {
        "en": "📔 Diary for {day} is open: send text, photos (with captions) or voice notes. "
        "Press Done or send /done when finished.",
        "zh": "📔 {day} 的工作日志已打开：请发送文字、照片（可加说明）或语音。"
        "完成后点击“完成”或发送 /done。",
    },
    "diary.done_button": {"en": "✅ Done", "zh": "✅ 完成"},
    "diary.closed": {
        "en": "Diary for {day} closed. Entries: {n}. Thank you!",
        "zh": "{day} 的工作日志已结束：共 {n} 条。谢谢！",
    },
    "diary.already_closed": {
        "en": "Your diary for {day} is already saved: {n} {n:entry|entries}."
        " Send /diary to add more.",
        "zh": "{day} 的工作日志已保存：共 {n} 条。如需补充，请发送 /diary。",
    },
    "diary.not_open": {
        "en": "No diary is open. Use /diary to start one.",
        "zh": "当前没有打开的日志。发送 /diary 开始记录。",
    },
    "diary.saved.text": {
        "en": "✏️ Saved. Entries for {day}: {n}.",
        "zh": "✏️ 已保存（{day} 共 {n} 条）。",
    },
    "diary.saved.photo": {
        "en": "📷 Photo saved. Entries for {day}: {n}.",
        "zh": "📷 照片已保存（{day} 共 {n} 条）。",
    },
    "diary.saved.voice": {
        "en": "🎙 Voice note saved. Entries for {day}: {n}.",
        "zh": "🎙 语音已保存（{day} 共 {n} 条）。",
    },
    "diary.unsupported": {
        "en": "The diary takes text, photos and voice notes. Send one of those, or /done.",
        "zh": "工作日志支持文字、照片和语音。请发送其中一种，或发送 /done 结束。",
    },
    "diary.which_day": {
        "en": "It is after midnight. Which day is this diary for?",
        "zh": "现在已过午夜。这篇日志记在哪一天？",
    },
    "diary.for_day": {"en": "For {day}", "zh": "记在 {day}"},
    "diary.ask": {
        "en": "Is this a diary entry? ({n} {n:message|messages} kept until you answer.)",
        "zh": "这是工作日志吗？（在您回答前已保留 {n} 条消息。）",
    },
    "diary.yes": {"en": "📔 Yes, add to today's diary", "zh": "📔 是，记入今天的日志"},
    "diary.yes_for": {"en": "📔 Yes, for {day}", "zh": "📔 是，记在 {day}"},
    "diary.no": {"en": "No", "zh": "不是"},
    "diary.not_saved": {"en": "OK, not saved in the diary.", "zh": "好的，未记入日志。"},
    "diary.saved_asked": {
        "en": "📔 Added. Entries for {day}: {n}.",
        "zh": "📔 已记入：{day} 共 {n} 条。",
    },
    "diary.day_header": {
        "en": "📔 Diary of {day} (entries: {n}):",
        "zh": "📔 {day} 的工作日志（{n} 条）：",
    },
    "diary.empty_day": {"en": "No diary entries for {day}.", "zh": "{day} 没有日志。"},
    "diary.bad_date": {
        "en": "I couldn't read that date. Try /diary {example}.",
        "zh": "无法识别该日期。请尝试 /diary {example}。",
    },
    "diary.edited_mark": {"en": "(edited)", "zh": "（已修改）"},
    "diary.edit_saved": {"en": "✏️ Diary entry of {day} updated.", "zh": "✏️ {day} 的日志已更新。"},
    "diary.edit_too_late": {
        "en": "Entries can only be changed on their own day; the entry of {day} stays as it was.",
        "zh": "日志只能在当天修改；{day} 的日志保持不变。",
    },
    "diaries.not_allowed": {
        "en": "Only supervisors and administrators can read team diaries, and only of their teams.",
        "zh": "只有负责人和管理员可以查看工作队日志，且仅限其负责的工作队。",
    },
    "diaries.no_team": {
        "en": "No team “{ref}” that you can read.",
        "zh": "没有您可查看的工作队“{ref}”。",
    },
    "diaries.pick_team": {"en": "Which team?", "zh": "查看哪个工作队？"},
    "diaries.header": {"en": "📔 Diaries of {team}, {day}:", "zh": "📔 {team} {day} 的工作日志："},
    "diaries.line_some": {"en": "✅ {name}: {n}", "zh": "✅ {name}：{n} 条"},
    "diaries.line_none": {"en": "✗ {name}: none", "zh": "✗ {name}：无"},
    "diaries.more": {"en": "…and {n} more", "zh": "……另有 {n} 人"},
    "diaries.no_members": {"en": "(no members)", "zh": "（暂无队员）"},
    "diaries.prev": {"en": "◀ Previous day", "zh": "◀ 前一天"},
    "diaries.next": {"en": "Next day ▶", "zh": "后一天 ▶"},
    "diaries.future": {
        "en": "{day} has not come yet: there are no diaries to read for it.",
        "zh": "{day} 尚未到来，还没有可查看的工作日志。",
    },
    "diaries.nav": {"en": "Another day, or back to the team:", "zh": "查看其他日期或返回工作队："},
    "diaries.back": {"en": "↩ Team", "zh": "↩ 返回工作队"},
    "diaries.member_header": {
        "en": "📔 {name} ({team}), {day}, entries: {n}",
        "zh": "📔 {name}（{team}），{day}：{n} 条",
    },
    "diaries.member_none": {"en": "(no entries)", "zh": "（无日志）"},
}

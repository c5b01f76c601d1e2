"""Administration: /export, /recall, vacancy reminders."""

MESSAGES = {
    "export.ask_range": {
        "en": "📤 Export. Which period?",
        "zh": "📤 导出数据。请选择时间范围：",
    },
    "export.this_month": {"en": "This month", "zh": "本月"},
    "export.last_month": {"en": "Last month", "zh": "上月"},
    "export.typed_range": {"en": "Type a range", "zh": "输入日期范围"},
    "export.ask_typed_range": {
        "en": "Type the first and last day, e.g. 2026-11-01 2026-11-30",
        "zh": "请输入起止日期，例如 2026-11-01 2026-11-30",
    },
    "export.range_invalid": {
        "en": "I could not read that. Type two dates YYYY-MM-DD, the first not after the last,"
        " e.g. 2026-11-01 2026-11-30",
        "zh": "无法识别。请输入两个日期（YYYY-MM-DD），开始日期不能晚于结束日期，"
        "例如 2026-11-01 2026-11-30",
    },
    "export.ask_team": {
        "en": "Period {first} – {last}. Which team? (or type a team name)",
        "zh": "时间范围 {first} 至 {last}。请选择工作队（或输入队名）：",
    },
    "export.all_teams": {"en": "All teams", "zh": "全部工作队"},
    "export.team_unknown": {
        "en": "No team called “{name}”. Press a button or type an exact team name.",
        "zh": "没有名为“{name}”的工作队。请点按钮或输入准确的队名。",
    },
    "export.ask_format": {
        "en": "{first} – {last}, {team}. Which format?",
        "zh": "{first} 至 {last}，{team}。请选择文件格式：",
    },
    "export.working": {
        "en": "⏳ Exporting… I will send the file here.",
        "zh": "⏳ 正在导出……完成后会把文件发到这里。",
    },
    "export.done": {
        "en": "✅ Export {first} – {last}, {team}: {rows} rows ({counts}).",
        "zh": "✅ 已导出 {first} 至 {last}，{team}：共 {rows} 行（{counts}）。",
    },
    "export.split_note": {
        "en": "The file is larger than Telegram's {limit} MB limit, so it comes zipped in {parts}"
        " parts (.001, .002, …). Save them all in one folder and open part .001 with 7-Zip, or"
        " join them first (macOS/Linux: cat NAME.* > NAME; Windows: copy /b NAME.001+NAME.002"
        " NAME).",
        "zh": "文件超过 Telegram 的 {limit} MB 上限，已压缩并分为 {parts} 个分卷（.001、.002……）。"
        "请全部保存到同一文件夹，用 7-Zip 打开 .001 分卷；或先合并（macOS/Linux：cat 文件名.* > "
        "文件名；Windows：copy /b 文件名.001+文件名.002 文件名）。",
    },
    "export.zipped_note": {
        "en": "The file is larger than Telegram's {limit} MB limit, so it comes as a ZIP.",
        "zh": "文件超过 Telegram 的 {limit} MB 上限，已压缩为 ZIP 发送。",
    },
    "export.failed": {
        "en": "❌ The export failed: {error}",
        "zh": "❌ 导出失败：{error}",
    },
    "recall.usage": {
        "en": "Recall a member: /recall, then pick the team and member; or"
        " /recall <user id> <reason>.",
        "zh": "召回队员：发送 /recall 后选择工作队和队员；或 /recall <用户ID> <原因>。",
    },
    "recall.ask_team": {
        "en": "↩️ Recall. From which team? (or type a team name)",
        "zh": "↩️ 召回。请选择工作队（或输入队名）：",
    },
    "recall.no_teams": {"en": "There are no teams yet.", "zh": "还没有任何工作队。"},
    "recall.ask_member": {
        "en": "Team {team}. Which member?",
        "zh": "工作队 {team}。请选择队员：",
    },
    "recall.no_members": {
        "en": "{team} has no active members.",
        "zh": "{team} 没有在岗队员。",
    },
    "recall.team_unknown": {
        "en": "No team called “{name}”. Press a button or type an exact team name.",
        "zh": "没有名为“{name}”的工作队。请点按钮或输入准确的队名。",
    },
    "recall.ask_reason": {
        "en": "Why is {name} ({unit}) recalled from {team}? Type the reason.",
        "zh": "召回 {name}（{unit}）离开 {team} 的原因是什么？请输入原因。",
    },
    "recall.reason_invalid": {
        "en": "A reason is required (up to 500 characters). Type it, or /cancel.",
        "zh": "必须填写原因（不超过 500 字）。请输入，或发送 /cancel 取消。",
    },
    "recall.confirm": {
        "en": "Recall {name} ({unit}) from {team}?\nReason: {reason}\n\nThey will no longer be"
        " able to check in, write the diary or ask leave, and {team} gets a vacancy.",
        "zh": "确认将 {name}（{unit}）从 {team} 召回？\n原因：{reason}\n\n召回后该队员将不能签到、"
        "写日志或请假，{team} 将出现空缺。",
    },
    "recall.not_active": {
        "en": "{name} is not an active member of {team}; nothing changed.",
        "zh": "{name} 不是 {team} 的在岗队员，未做任何更改。",
    },
    "recall.not_found": {
        "en": "No active member with id {id}. Use /recall to pick from a list.",
        "zh": "没有 ID 为 {id} 的在岗队员。请发送 /recall 从列表中选择。",
    },
    "recall.done": {
        "en": "✅ {name} is recalled from {team} (unit: {unit}). {team} shows a vacancy until an"
        " invite into it is accepted.{told}",
        "zh": "✅ 已将 {name} 从 {team} 召回（派出单位：{unit}）。在有人通过邀请加入之前，{team}"
        " 显示为空缺。{told}",
    },
    "recall.not_told": {
        "en": " ⚠️ I could not message them.",
        "zh": " ⚠️ 无法给该队员发送消息。",
    },
    "policy.heading": {"en": "⚙️ Policy and calendar of {team}:", "zh": "⚙️ {team} 的制度与日历："},
    "policy.usage": {
        "en": "Change one with /policy TEAM KEY VALUE, keys: {keys}. Dates as YYYY-MM-DD; "
        "workdays like mon-fri.",
        "zh": "修改：/policy 队名 项目 值，项目：{keys}。日期格式 YYYY-MM-DD；工作日如 mon-fri。",
    },
    "policy.no_team": {
        "en": "No team “{ref}”. Usage: /policy TEAM to see it, /policy TEAM KEY VALUE to change "
        "it; keys: {keys}.",
        "zh": "没有工作队“{ref}”。用法：/policy 队名 查看，"
        "/policy 队名 项目 值 修改；项目：{keys}。",
    },
    "policy.bad": {
        "en": "Not changed: {setting} = {value}: {reason}",
        "zh": "未修改：{setting} = {value}：{reason}",
    },
    "policy.set": {"en": "✅ Set {setting} = {value}.", "zh": "✅ 已设置 {setting} = {value}。"},
    "recall.supervisor_notice": {
        "en": "ℹ️ {name} has been recalled from {team}. Reason: {reason}. The team has a "
        "vacancy until someone joins with an invite.",
        "zh": "ℹ️ {name} 已从 {team} 召回。原因：{reason}。在有人通过邀请加入前，该队有一个空缺。",
    },
    "member.moved_notice": {
        "en": "ℹ️ {name} has left {team} and joined {new_team}.",
        "zh": "ℹ️ {name} 已离开 {team}，加入 {new_team}。",
    },
    "recall.notice": {
        "en": "You have been recalled from {team}.\nReason: {reason}\n\nYou can no longer check"
        " in, write the diary or ask leave for this team. Ask your unit about your next steps.",
        "zh": "您已被从 {team} 召回。\n原因：{reason}\n\n您将不能再为该工作队签到、写日志或请假。"
        "后续安排请联系您的派出单位。",
    },
    "vacancy.reminder": {
        "en": "⚠️ {team} has had a vacancy for {days} {days:day|days}"
        " (policy: refill within {limit}):"
        " {name} was recalled ({reason}). Send an invite into {team} to refill it.",
        "zh": "⚠️ {team} 已空缺 {days} 天（规定 {limit} 天内补齐）：{name} 已被召回（{reason}）。"
        "请发送该队的邀请链接补充人员。",
    },
}

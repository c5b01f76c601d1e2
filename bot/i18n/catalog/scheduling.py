"""Reminders, summaries, digests, roll calls, the evening presence check."""

MESSAGES = {
    "remind.checkin": {
        "en": "⏰ Reminder: check in by {on_time} (on time until {deadline}). "
        "Press “📍 Check in” and share your location.",
        "zh": "⏰ 提醒：请在 {on_time} 前签到（{deadline} 前算准时）。点击“📍 签到”发送位置。",
    },
    "remind.deadline": {
        "en": "⚠️ You have not checked in yet today and are now late. "
        "Check in before {cutoff}, or it counts as missed.",
        "zh": "⚠️ 您今天还没有签到，现已迟到。请在 {cutoff} 前签到，否则记为缺勤。",
    },
    "remind.diary": {
        "en": "📔 You have no diary entry today. Press “📔 Diary” and write what you did.",
        "zh": "📔 您今天还没有写工作日志。请点击“📔 工作日志”记录今天的工作。",
    },
    "remind.evening": {
        "en": "🌙 Evening presence check: share your location between {start} and {end}.",
        "zh": "🌙 晚间在岗核查：请在 {start} 至 {end} 之间发送位置。",
    },
    "remind.unreachable": {
        "en": "⚠️ {name} ({team}) has blocked the bot or left Telegram: they get no "
        "reminders or roll calls until they write to the bot again.",
        "zh": "⚠️ {name}（{team}）已屏蔽机器人或注销账号：在其重新给机器人发消息前，"
        "将收不到提醒和点名。",
    },
    "evening.recorded": {
        "en": "🌙 Evening presence recorded: {place}, {distance} from the site.",
        "zh": "🌙 已记录晚间在岗：{place}，距驻点 {distance}。",
    },
    "summary.title": {
        "en": "📋 {team}: summary for {day} ({n} {n:member|members})",
        "zh": "📋 {team}：{day} 日报（共 {n} 名队员）",
    },
    "summary.admins.heading": {
        "en": "📋 No supervisor in {n} {n:team|teams}, so their day summaries come to you as an "
        "administrator: {teams}. Invite one with: outpost invite TEAM --role supervisor",
        "zh": "📋 以下 {n} 个工作队暂无负责人，其每日汇总发给作为管理员的您：{teams}。"
        "可用 outpost invite 队名 --role supervisor 邀请负责人。",
    },
    "summary.not_workday": {
        "en": "Not a workday for this team (weekend or holiday).",
        "zh": "本队今天不是工作日（周末或节假日）。",
    },
    "summary.on_time": {"en": "✅ On time: {n}", "zh": "✅ 准时：{n}"},
    "summary.late": {"en": "🕘 Late: {n}", "zh": "🕘 迟到：{n}"},
    "summary.made_up": {"en": "🔁 Made up: {n}", "zh": "🔁 已补签：{n}"},
    "summary.out_of_area": {"en": "📍 Out of area: {n}", "zh": "📍 不在驻点范围：{n}"},
    "summary.oor_line": {
        "en": "• {name} ({timing}): {reason}",
        "zh": "• {name}（{timing}）：{reason}",
    },
    "summary.no_reason": {"en": "no reason given yet", "zh": "尚未说明原因"},
    "summary.missed": {"en": "❌ Missed: {n}", "zh": "❌ 缺勤：{n}"},
    "summary.not_yet": {"en": "⏳ Not checked in yet: {n}", "zh": "⏳ 尚未签到：{n}"},
    "summary.on_leave": {"en": "🏖 On leave: {n}", "zh": "🏖 请假：{n}"},
    "summary.diaries_missing": {"en": "📔 No diary: {n}", "zh": "📔 未写日志：{n}"},
    "summary.pending": {"en": "📨 Pending requests: {n}", "zh": "📨 待审批申请：{n}"},
    "summary.pending_line": {
        "en": "• #{id} {name}: {what}, {span} ({days} d)",
        "zh": "• #{id} {name}：{what}，{span}（{days} 天）",
    },
    "summary.makeup": {"en": "make-up check-in", "zh": "补签"},
    "summary.buttons_intro": {
        "en": "Decide pending requests:",
        "zh": "审批待处理申请：",
    },
    "summary.btn_approve": {"en": "✅ Approve #{id} {name}", "zh": "✅ 批准 #{id} {name}"},
    "summary.btn_reject": {"en": "❌ Reject #{id}", "zh": "❌ 驳回 #{id}"},
    "summary.not_allowed": {
        "en": "Summaries are for supervisors and administrators.",
        "zh": "日报仅供负责人和管理员查看。",
    },
    "summary.bad_date": {
        "en": "Give the day as YYYY-MM-DD, e.g. /summary 2026-11-24.",
        "zh": "请按 YYYY-MM-DD 格式输入日期，例如 /summary 2026-11-24。",
    },
    "summary.future": {
        "en": "That day has not come yet (today is {today}).",
        "zh": "该日期尚未到来（今天是 {today}）。",
    },
    "sched.timing.made_up": {"en": "made up", "zh": "已补签"},
    "sched.leave_type.personal": {"en": "personal", "zh": "事假"},
    "sched.leave_type.sick": {"en": "sick", "zh": "病假"},
    "sched.leave_type.official": {"en": "official business", "zh": "公务"},
    "sched.leave_type.training": {"en": "training", "zh": "培训"},
    "sched.leave_type.other": {"en": "other", "zh": "其他"},
    "digest.admins.heading": {
        "en": "📊 {team} has no supervisor, so its weekly digest comes to you as an"
        " administrator. Invite one with: outpost invite TEAM --role supervisor",
        "zh": "📊 {team} 暂无负责人，其周报发给作为管理员的您。"
        "可用 outpost invite 队名 --role supervisor 邀请负责人。",
    },
    "digest.title": {
        "en": "📊 {team}: week {first} – {last}",
        "zh": "📊 {team}：{first} 至 {last} 周报",
    },
    "digest.header": {
        "en": "Name: days on site / late / diary days",
        "zh": "姓名：在驻点天数 / 迟到次数 / 日志天数",
    },
    "digest.line": {
        "en": "• {name}: {days} / {late} / {diary}",
        "zh": "• {name}：{days} / {late} / {diary}",
    },
    "digest.empty": {"en": "No members.", "zh": "暂无队员。"},
    "rollcall.ask": {
        "en": "🔔 Roll call ({team}): share your LIVE location within {minutes} min "
        "(by {until}). Tap 📎 → Location → “Share My Live Location”.",
        "zh": "🔔 点名（{team}）：请在 {minutes} 分钟内（{until} 前）共享实时位置。"
        "点击 📎 → 位置 → “共享实时位置”。",
    },
    "rollcall.again.not_live": {
        "en": "That was a one-off location. A roll call needs a LIVE location: tap 📎 → "
        "Location → “Share My Live Location”.",
        "zh": "这是普通位置。点名需要实时位置：点击 📎 → 位置 → “共享实时位置”。",
    },
    "rollcall.again.forwarded": {
        "en": "A forwarded location or a place does not answer a roll call. Share your own "
        "live location.",
        "zh": "转发的位置或地点不能用于点名。请共享您自己的实时位置。",
    },
    "rollcall.again.offline": {
        "en": "A scheduled or automatic message does not answer a roll call. Share your live "
        "location now.",
        "zh": "定时或自动发送的消息不能用于点名。请现在共享实时位置。",
    },
    "rollcall.again.inaccurate": {
        "en": "That location is too imprecise. Turn on GPS and share your live location again.",
        "zh": "该位置精度不足。请打开 GPS 后重新共享实时位置。",
    },
    "rollcall.again.bad_coordinates": {
        "en": "I could not read that location. Please share your live location again.",
        "zh": "无法识别该位置。请重新共享实时位置。",
    },
    "rollcall.answer.present": {
        "en": "✅ Roll call answered: present ({distance} from the site).",
        "zh": "✅ 点名已应答：在驻点（距驻点 {distance}）。",
    },
    "rollcall.answer.out_of_area": {
        "en": "📍 Roll call answered: OUT OF AREA ({distance} from the site). "
        "This counts as an absence.",
        "zh": "📍 点名已应答：不在驻点范围（距驻点 {distance}）。计为一次缺岗。",
    },
    "rollcall.answer.closed": {
        "en": "This roll call was already answered or has closed.",
        "zh": "本次点名已应答或已结束。",
    },
    "rollcall.not_allowed": {
        "en": "Roll calls are for supervisors and administrators.",
        "zh": "点名仅限负责人和管理员发起。",
    },
    "rollcall.which": {
        "en": "Which team? Use /rollcall <team name>, or /rollcall <member name>.",
        "zh": "请指定队伍：/rollcall <队名>，或 /rollcall <队员姓名>。",
    },
    "rollcall.not_found": {
        "en": "No team or member of yours is called “{arg}”.",
        "zh": "您负责的队伍或队员中没有“{arg}”。",
    },
    "rollcall.ambiguous": {
        "en": "Several members are called “{arg}”; use their team name or Telegram id.",
        "zh": "有多名队员叫“{arg}”；请改用队名或 Telegram ID。",
    },
    "rollcall.nobody": {
        "en": "Nobody to ask in {team} ({leave} on leave).",
        "zh": "{team} 没有需要点名的队员（{leave} 人请假）。",
    },
    "rollcall.started": {
        "en": "🔔 Roll call started in {team}: {n} asked, {leave} on leave skipped. "
        "Results at {until}.",
        "zh": "🔔 已在 {team} 发起点名：{n} 人需应答，{leave} 人请假已跳过。{until} 出结果。",
    },
    "rollcall.random": {"en": "random spot check", "zh": "随机抽查"},
    "rollcall.called_by": {"en": "called by {name}", "zh": "由 {name} 发起"},
    "rollcall.someone": {"en": "called in chat", "zh": "手动发起"},
    "rollcall.results_title": {
        "en": "🔎 Roll call #{id}, {team}, {time} ({how})",
        "zh": "🔎 第 {id} 次点名，{team}，{time}（{how}）",
    },
    "rollcall.group.present": {"en": "✅ Present: {n}", "zh": "✅ 在驻点：{n}"},
    "rollcall.group.out_of_area": {"en": "📍 Out of area: {n}", "zh": "📍 不在驻点范围：{n}"},
    "rollcall.group.no_answer": {"en": "🔇 No answer: {n}", "zh": "🔇 未应答：{n}"},
    "rollcall.absent_line": {
        "en": "• {name} (absences in {year}: {n})",
        "zh": "• {name}（{year} 年缺岗 {n} 次）",
    },
}

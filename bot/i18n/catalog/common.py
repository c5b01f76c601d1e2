MESSAGES = {
    "menu.checkin": {"en": "📍 Check in", "zh": "📍 签到"},
    "menu.diary": {"en": "📔 Diary", "zh": "📔 工作日志"},
    "menu.leave": {"en": "🏖 Leave", "zh": "🏖 请假"},
    "menu.language": {"en": "🌐 Language", "zh": "🌐 语言"},
    "menu.help": {"en": "❓ Help", "zh": "❓ 帮助"},
    "menu.summary": {"en": "📋 Summary", "zh": "📋 每日汇总"},
    "menu.diaries": {"en": "📚 Diaries", "zh": "📚 队员日志"},
    "menu.teams": {"en": "👥 Teams", "zh": "👥 工作队"},
    "menu.export": {"en": "📤 Export", "zh": "📤 导出"},
    "menu.shown_supervisor": {
        "en": "Supervisor menu. 📋 Summary shows today's check-ins of your teams (/summary "
        "[YYYY-MM-DD] for another day); 📚 Diaries reads members' diaries; /rollcall starts a "
        "spot check. Alerts and requests to approve come to you here.",
        "zh": "负责人菜单。“📋 每日汇总”查看所带工作队今天的签到"
        "（/summary [YYYY-MM-DD] 查看其他日期）；“📚 队员日志”查看队员日志；"
        "/rollcall 发起抽查点名。提醒和待审批申请会发到这里。",
    },
    "menu.shown_admin": {
        "en": "Administrator menu. 📋 Summary and 📚 Diaries cover every team; 👥 Teams lists "
        "them, /newteam creates one with its invite links; 📤 Export sends the records; "
        "/recall recalls a member; /rollcall starts a spot check.",
        "zh": "管理员菜单。“📋 每日汇总”和“📚 队员日志”涵盖所有工作队；“👥 工作队”列出工作队，"
        "/newteam 新建工作队并生成邀请链接；“📤 导出”发送记录；/recall 召回队员；"
        "/rollcall 发起抽查点名。",
    },
    "menu.shown": {
        "en": "Main menu. Press “📍 Check in” each morning to share your location.",
        "zh": "主菜单。每天早上点击“📍 签到”发送您的位置。",
    },
    "stranger": {
        "en": "Hello! This bot is for field teams. To join, open the invite link your "
        "administrator sent you.",
        "zh": "您好！本机器人供驻点工作队使用。请打开管理员发给您的邀请链接加入。",
    },
    "help.member": {
        "en": "Commands:\n/checkin — check in (or the 📍 button)\n/diary — today's work diary, "
        "/done to close it\n/leave — ask for leave; /cancelleave — cancel or end one early\n"
        "/makeup — ask for a make-up check-in\n/language — change language\n"
        "/cancel — stop the current step",
        "zh": "命令：\n/checkin — 签到（或点 📍 按钮）\n/diary — 今日工作日志，/done 结束\n"
        "/leave — 请假；/cancelleave — 撤销或提前结束请假\n/makeup — 申请补签\n"
        "/language — 切换语言\n/cancel — 取消当前操作",
    },
    "help.supervisor": {
        "en": "Supervisor commands:\n/summary [YYYY-MM-DD] — a day's summary of your teams\n"
        "/diaries [team] [date] — read members' diaries\n/rollcall [team | member] — a spot "
        "check: members share a live location within 30 minutes\n/evidence MEMBER [YYYY-MM] — "
        "a member's month as a picture, with signals of faked locations\n"
        "/clearsignal ID REASON — clear a signal you checked",
        "zh": "负责人命令：\n/summary [YYYY-MM-DD] — 所带队的当日汇总\n"
        "/diaries [队名] [日期] — 查看队员日志\n/rollcall [队名 | 队员] — 抽查点名："
        "队员须在 30 分钟内共享实时位置\n/evidence 队员 [YYYY-MM] — 队员当月定位图及伪造迹象\n"
        "/clearsignal 编号 理由 — 消除已核实的迹象",
    },
    "help.admin": {
        "en": "Admin commands:\n/newteam — create a team and its invite links\n/teams — list "
        "teams\n/export — export data\n/recall — recall a member\n/summary, /diaries, "
        "/rollcall, /evidence, /clearsignal — for any team",
        "zh": "管理员命令：\n/newteam — 创建工作队及邀请链接\n/teams — 查看工作队\n"
        "/export — 导出数据\n/recall — 召回队员\n/summary、/diaries、/rollcall、/evidence、"
        "/clearsignal — 适用于所有工作队",
    },
    "recalled.notice": {
        "en": "You have been recalled from {team}: check-ins, diaries and leave requests are "
        "closed to you. If this is a mistake, contact your administrator.",
        "zh": "您已被从{team}召回：不能再签到、写日志或请假。如有误，请联系管理员。",
    },
    "cancelled": {"en": "Cancelled.", "zh": "已取消。"},
    "nothing_to_cancel": {"en": "Nothing to cancel.", "zh": "当前没有进行中的操作。"},
    "not_allowed": {
        "en": "You are not allowed to do that.",
        "zh": "您没有执行此操作的权限。",
    },
    "private_only": {
        "en": "Please open a private chat with me: I work only there, not in groups.",
        "zh": "请与我私聊：我只在私聊中工作，不在群里使用。",
    },
    # Honest: a failed handler may not have saved what was sent.
    "error.generic": {
        "en": "Sorry, something went wrong on my side. If I did not confirm what you just sent, "
        "please send it again.",
        "zh": "抱歉，我这边出了问题。如果我没有确认您刚才发送的内容，请重新发送。",
    },
    "error.not_saved": {
        "en": "⚠️ Not saved yet: my storage is full or failing. I will save it by myself as "
        "soon as it works again, and confirm it then; no need to send it again.",
        "zh": "⚠️ 尚未保存：我的存储空间已满或出现故障。恢复后我会自动保存并确认，无需重新发送。",
    },
    "flow.stale": {
        "en": "That conversation was left in a form this version of the bot cannot continue. "
        "Please start it again.",
        "zh": "该对话的状态无法由当前版本的机器人继续。请重新开始。",
    },
    "flow.already_taken": {
        "en": "Got it: that answer was already taken.",
        "zh": "已收到：这条回答之前已经记录。",
    },
    "unknown_text": {
        "en": "I didn't understand that. Use the menu below, or /help.",
        "zh": "我没有理解您的意思。请使用下方菜单，或发送 /help。",
    },
    "language.choose": {"en": "Choose your language:", "zh": "请选择语言："},
    "language.set": {"en": "Language set to English.", "zh": "语言已设置为简体中文。"},
    "button.stale": {
        "en": "This button is no longer valid.",
        "zh": "此按钮已失效。",
    },
}

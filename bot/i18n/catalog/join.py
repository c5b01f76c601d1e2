MESSAGES = {
    "join.unknown": {
        "en": "This invite link is not valid. Ask your administrator for a new one.",
        "zh": "此邀请链接无效，请向管理员索取新的链接。",
    },
    "join.expired": {
        "en": "This invite link has expired. Ask your administrator for a new one.",
        "zh": "此邀请链接已过期，请向管理员索取新的链接。",
    },
    "join.revoked": {
        "en": "This invite link has been revoked. Ask your administrator for a new one.",
        "zh": "此邀请链接已被撤销，请向管理员索取新的链接。",
    },
    "join.ask_name": {
        "en": "Welcome! You are joining {team} as {role}.\nWhat is your full name?",
        "zh": "欢迎！您将以{role}身份加入{team}。\n请输入您的姓名：",
    },
    "join.ask_unit": {
        "en": "Which organisation sent you (your dispatching unit)?",
        "zh": "您的派出单位是？",
    },
    "join.text_invalid": {
        "en": "Please answer with text of 1 to {max} characters.",
        "zh": "请输入 1 至 {max} 个字的文字。",
    },
    "join.expect": {
        "en": "What is expected of you: each morning from {opens}, press “📍 Check in” at the "
        "site (within {radius} m of it). On time until {on_time} (with {grace} minutes' grace), "
        "late until {cutoff}, missed after. Write your work diary (📔) each day; ask for leave "
        "with 🏖. Times are {tz}.",
        "zh": "您需要：每天早上 {opens} 起在驻点（{radius} 米范围内）点击“📍 签到”。"
        "{on_time} 前（另有 {grace} 分钟宽限）为准时，{cutoff} 前为迟到，此后为缺勤。"
        "每天写工作日志（📔），请假用 🏖。时间为 {tz}。",
    },
    "join.done": {
        "en": "✅ You have joined {team} as {role}.",
        "zh": "✅ 您已以{role}身份加入{team}。",
    },
    "join.move_ask": {
        "en": "You are stationed with {current}. Move to {team}? Your history stays with "
        "{current}.",
        "zh": "您目前驻{current}。是否转到{team}？原有记录保留在{current}。",
    },
    "join.move_yes": {"en": "Yes, move to {team}", "zh": "是，转到{team}"},
    "join.move_no": {"en": "No, stay", "zh": "否，留在原队"},
    "join.stayed": {
        "en": "Nothing changed: you stay with {team}.",
        "zh": "未做更改：您仍在{team}。",
    },
    "role.member": {"en": "member", "zh": "队员"},
    "role.supervisor": {"en": "supervisor", "zh": "负责人"},
    "join.used_up": {
        "en": "This invite link has already been used. Ask your administrator for a new one.",
        "zh": "此邀请链接已被使用，请向管理员索取新的链接。",
    },
    "join.already": {
        "en": "You are already in {team} as {role}. Nothing changed.",
        "zh": "您已是{team}的{role}，未做任何更改。",
    },
    "join.still_recalled": {
        "en": "You were recalled from {team}. An invite link does not change that: only an "
        "administrator can reinstate you.",
        "zh": "您已被从{team}召回。邀请链接不能改变这一点，只有管理员可以恢复您的身份。",
    },
    "join.role_change_asked": {
        "en": "You are in {team} as {current}; this link is for the role of {role}. An "
        "administrator must confirm the change: I have asked them and will tell you their "
        "answer.",
        "zh": "您是{team}的{current}，此链接用于{role}。更改身份需管理员确认：已通知管理员，"
        "结果会告知您。",
    },
    "join.role_change_request": {
        "en": "{name} (id {user_id}) is in {team} as {current} and opened an invite link for "
        "the role of {role}. Change their role to {role}?",
        "zh": "{name}（ID {user_id}）是{team}的{current}，打开了{role}邀请链接。"
        "是否将其身份改为{role}？",
    },
    "join.role_change_yes": {"en": "Confirm: make {role}", "zh": "确认：改为{role}"},
    "join.role_change_no": {"en": "Refuse", "zh": "拒绝"},
    "join.role_change_approved": {
        "en": "✅ {name} is now in {team} as {role}.",
        "zh": "✅ {name} 现为{team}的{role}。",
    },
    "join.role_change_refused": {
        "en": "Refused: {name} stays in {team} as {current}.",
        "zh": "已拒绝：{name} 仍是{team}的{current}。",
    },
    "join.role_change_stale": {
        "en": "This request was already decided, or their place in the team has changed.",
        "zh": "此请求已处理，或其在队中的身份已变化。",
    },
    "join.role_change_told_yes": {
        "en": "An administrator confirmed: you are now in {team} as {role}.",
        "zh": "管理员已确认：您现为{team}的{role}。",
    },
    "join.role_change_told_no": {
        "en": "An administrator did not confirm the change: you stay in {team} as {current}.",
        "zh": "管理员未确认更改：您仍是{team}的{current}。",
    },
}

MESSAGES = {
    "newteam.ask_name": {
        "en": "New team. What is its name? (/cancel to stop)",
        "zh": "新建工作队。请输入队名（发送 /cancel 取消）：",
    },
    "newteam.name_taken": {
        "en": "A team called {name} already exists. Choose another name.",
        "zh": "已存在名为 {name} 的工作队，请换一个名字。",
    },
    "newteam.ask_site": {
        "en": "Where is the site? Best: stand there and share your location (📎 → Location).\n"
        "Or type coordinates “lat, lon” and optionally the datum: wgs84 (GPS, default), "
        "gcj02 (Amap/Tencent maps) or bd09 (Baidu maps).",
        "zh": "驻点在哪里？最好在现场发送位置（📎 → 位置）。\n"
        "或输入坐标“纬度, 经度”，可在后面注明坐标系：wgs84（GPS，默认）、"
        "gcj02（高德/腾讯地图）或 bd09（百度地图）。",
    },
    "newteam.site_invalid": {
        "en": "I could not read those coordinates. Example: 39.9087, 116.3975 gcj02",
        "zh": "无法识别坐标。示例：39.9087, 116.3975 gcj02",
    },
    "newteam.site_swapped": {
        "en": "Those coordinates look swapped (Amap and Baidu show longitude first). Did you "
        "mean {lat}, {lon}? Type them latitude first, with the datum.",
        "zh": "坐标似乎顺序颠倒了（高德、百度地图先显示经度）。您是想输入 {lat}, {lon} 吗？"
        "请先纬度后经度重新输入，并注明坐标系。",
    },
    "newteam.ask_radius": {
        "en": "Site radius in metres ({min}–{max}, default {default}):",
        "zh": "驻点半径（米，{min}–{max}，默认 {default}）：",
    },
    "newteam.radius_invalid": {
        "en": "The radius must be a whole number of metres from {min} to {max}.",
        "zh": "半径须为 {min} 至 {max} 之间的整数（米）。",
    },
    "newteam.ask_tz": {
        "en": "Timezone (IANA name, default {default}):",
        "zh": "时区（IANA 名称，默认 {default}）：",
    },
    "newteam.tz_invalid": {
        "en": "Unknown timezone. Examples: Asia/Shanghai, Asia/Urumqi, Europe/Berlin.",
        "zh": "未知时区。示例：Asia/Shanghai、Asia/Urumqi、Europe/Berlin。",
    },
    "newteam.ask_time": {
        "en": "Morning check-in time HH:MM (default {default}):",
        "zh": "早上签到时间 HH:MM（默认 {default}）：",
    },
    "newteam.time_invalid": {
        "en": "Please give a time as HH:MM, for example 07:30.",
        "zh": "请按 HH:MM 格式输入时间，例如 07:30。",
    },
    "newteam.confirm": {
        "en": "Create this team?\nName: {name}\nSite: {lat:.6f}, {lon:.6f} (WGS-84; entered as "
        "{datum})\nRadius: {radius} m\nTimezone: {tz}\nCheck-in by: {time}\n"
        "Late until (cutoff): {cutoff}",
        "zh": "确认创建？\n队名：{name}\n驻点：{lat:.6f}, {lon:.6f}（WGS-84；输入坐标系 {datum}）\n"
        "半径：{radius} 米\n时区：{tz}\n签到时间：{time} 前\n截止时间（此后算缺勤）：{cutoff}",
    },
    "newteam.ask_cutoff": {
        "en": "Cutoff HH:MM: check-ins after it count as missed, before it as late. It must be "
        "{earliest} or later (check-in time plus 10 minutes' grace). Default {default}:",
        "zh": "截止时间 HH:MM：此后签到算缺勤，此前算迟到。须不早于 {earliest}"
        "（签到时间加 10 分钟宽限）。默认 {default}：",
    },
    "morning.before_opens": {
        "en": "Check-in opens at {bound}: the check-in time cannot be earlier. Give another.",
        "zh": "签到 {bound} 开放，签到时间不能更早，请重新输入。",
    },
    "morning.past_midnight": {
        "en": "With the 10 minutes' grace that would run past {bound}. Give an earlier time.",
        "zh": "加上 10 分钟宽限会超过 {bound}，请输入更早的时间。",
    },
    "morning.cutoff_too_early": {
        "en": "The cutoff must be {bound} or later: the check-in time plus its grace comes first.",
        "zh": "截止时间须不早于 {bound}：签到时间加宽限须在截止之前。",
    },
    "newteam.created": {
        "en": "✅ Team {name} created.\nMember invite (valid {days} {days:day|days}):\n"
        "{member_link}\n"
        "Supervisor invite:\n{supervisor_link}",
        "zh": "✅ 已创建工作队 {name}。\n队员邀请链接（{days} 天内有效）：\n{member_link}\n"
        "负责人邀请链接：\n{supervisor_link}",
    },
    "teams.none": {
        "en": "No teams yet. Create one with /newteam.",
        "zh": "还没有工作队，请用 /newteam 创建。",
    },
    "teams.line": {
        "en": "• {name} — {members} {members:member|members},"
        " {supervisors} {supervisors:supervisor|supervisors}, {tz}",
        "zh": "• {name} — 队员 {members} 人，负责人 {supervisors} 人，{tz}",
    },
    "button.confirm": {"en": "✅ Confirm", "zh": "✅ 确认"},
    "button.cancel": {"en": "✖️ Cancel", "zh": "✖️ 取消"},
    "button.default": {"en": "Default ({value})", "zh": "默认（{value}）"},
}

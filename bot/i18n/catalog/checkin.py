MESSAGES = {
    "checkin.text_not_location": {
        "en": "Typing does not check you in: press “📍 Check in” below to share your location. "
        "(If that text was for your diary, open it with /diary first.)",
        "zh": "输入文字不能签到：请点击下方“📍 签到”发送位置。"
        "（如果刚才的文字是工作日志，请先发送 /diary。）",
    },
    "other.unsupported": {
        "en": "I can't use stickers or files here. “📍 Check in” shares your location; /diary "
        "takes text, photos and voice notes; /help lists the rest.",
        "zh": "这里无法使用贴纸或文件。“📍 签到”发送位置；"
        "/diary 可记录文字、照片和语音；/help 查看其他功能。",
    },
    "checkin.prompt": {
        "en": "Press “📍 Check in” below to share your current location.\n"
        "Tip: “Share live location” is preferred and proves more.",
        "zh": "请点击下方“📍 签到”发送您当前的位置。\n建议选择“共享实时位置”，证明力更强。",
    },
    "checkin.recorded": {
        "en": "✅ Check-in recorded at {time} ({tz}).\nPlace: {place}, {distance} from the site.\n"
        "Status: {timing}.",
        "zh": "✅ 已记录签到，时间 {time}（{tz}）。\n"
        "位置：{place}，距驻点 {distance}。\n状态：{timing}。",
    },
    "checkin.delayed": {
        "en": "You sent it at {sent}; it reached me {minutes} min later. It is timed by when "
        "you sent it.",
        "zh": "您于 {sent} 发送，{minutes} 分钟后才送达。签到时间以您发送的时间为准。",
    },
    "checkin.already": {
        "en": "Today's check-in was already counted ({place}, {timing}). This one is kept "
        "on record and changes nothing.",
        "zh": "今天的签到已计入（{place}，{timing}）。本次位置已存档，不改变结果。",
    },
    "checkin.upgraded": {
        "en": "⬆️ Your day now counts as on site (status stays {timing}).",
        "zh": "⬆️ 今天已更新为在驻点（状态仍为{timing}）。",
    },
    "checkin.oor_ask": {
        "en": "You are outside the site area. Please send the reason in one message.",
        "zh": "您不在驻点范围内。请用一条消息说明原因。",
    },
    "checkin.oor_saved": {
        "en": "Reason recorded. {told}",
        "zh": "原因已记录。{told}",
    },
    "told.supervisors": {
        "en": "Passed to your supervisor: {names}.",
        "zh": "已转告您的负责人：{names}。",
    },
    "told.admins": {
        "en": "Your team has no supervisor yet, so the administrators were told.",
        "zh": "您的工作队暂无负责人，已转告管理员。",
    },
    "told.nobody": {
        "en": "Your team has no supervisor and there is no administrator: nobody could be told.",
        "zh": "您的工作队没有负责人，也没有管理员，无法转告任何人。",
    },
    "checkin.reason_invalid": {
        "en": "Please send the reason as text (1 to {max} characters).",
        "zh": "请用文字说明原因（1 至 {max} 个字）。",
    },
    "checkin.missed_hint": {
        "en": "The {cutoff} cutoff has passed, so today counts as missed. You may ask your "
        "supervisor for a make-up check-in (the button below, or /makeup).",
        "zh": "已过 {cutoff} 截止时间，今天记为缺勤。"
        "您可以向负责人申请补签（点下方按钮或发送 /makeup）。",
    },
    "checkin.live_tracking": {
        "en": "📡 Live location received: your movements are kept as a track while it lasts.",
        "zh": "📡 已收到实时位置：共享期间的轨迹将被保存。",
    },
    "place.on_site": {"en": "on site", "zh": "在驻点"},
    "place.out_of_area": {"en": "OUT OF AREA", "zh": "不在驻点范围"},
    "timing.on_time": {"en": "on time", "zh": "准时"},
    "timing.late": {"en": "late", "zh": "迟到"},
    "timing.missed": {"en": "missed (after cutoff)", "zh": "缺勤（已过截止时间）"},
    "timing.too_early": {"en": "too early", "zh": "过早"},
    "timing.made_up": {"en": "made up (make-up approved)", "zh": "已补签（补卡已批准）"},
    "reject.forwarded": {
        "en": "❌ Not accepted: a forwarded location proves nothing about where you are. "
        "Use the “📍 Check in” button.",
        "zh": "❌ 未接受：转发的位置无法证明您在哪里。请使用“📍 签到”按钮。",
    },
    "reject.venue": {
        "en": "❌ Not accepted: a venue picked from a list is not your position. "
        "Use the “📍 Check in” button.",
        "zh": "❌ 未接受：从列表选择的地点不是您的实际位置。请使用“📍 签到”按钮。",
    },
    "reject.offline": {
        "en": "❌ Not accepted: a scheduled or automatic message proves nothing about where you "
        "are now. Share your location now.",
        "zh": "❌ 未接受：定时或自动发送的消息无法证明您现在的位置。请现在发送位置。",
    },
    "reject.inaccurate": {
        "en": "❌ Not accepted: your location is only accurate to {accuracy} m, worse than the "
        "site radius of {radius} m. Turn on GPS, wait a moment outdoors and try again.",
        "zh": "❌ 未接受：定位精度仅 {accuracy} 米，大于驻点半径 {radius} 米。"
        "请打开 GPS，在室外稍等片刻后重试。",
    },
    "reject.not_member_staff": {
        "en": "Check-ins are for members stationed at a site; as a supervisor or administrator "
        "you have nothing to check in. To set a team's site from where you stand, use /newteam "
        "(or outpost team set on the server).",
        "zh": "签到只针对驻点队员；负责人和管理员无需签到。如需以当前位置设置驻点，请用 /newteam"
        "（或在服务器上用 outpost team set）。",
    },
    "reject.not_member": {
        "en": "❌ Not accepted: you are not a member of any team. Open the invite link your "
        "administrator sent you to join.",
        "zh": "❌ 未接受：您还不是任何工作队的队员。请打开管理员发给您的邀请链接加入。",
    },
    "reject.recalled": {
        "en": "❌ Not accepted: you have been recalled from {team} and can no longer check in.",
        "zh": "❌ 未接受：您已被从{team}召回，不能再签到。",
    },
    "reject.too_early": {
        "en": "❌ Not accepted: check-in opens at {opens}. Please try again then.",
        "zh": "❌ 未接受：签到 {opens} 开始，请届时再试。",
    },
    "reject.live_required": {
        "en": "❌ Not accepted: your team requires a live location. Open 📎 → Location → "
        "“Share my live location”.",
        "zh": "❌ 未接受：本队要求共享实时位置。请点 📎 → 位置 → “共享实时位置”。",
    },
    "reject.bad_coordinates": {
        "en": "❌ Not accepted: those coordinates are not valid.",
        "zh": "❌ 未接受：坐标无效。",
    },
    "reject.bad_time": {
        "en": "❌ Not accepted: this message's time ({sent}) cannot be right. Share your "
        "location again now.",
        "zh": "❌ 未接受：此消息的时间（{sent}）不可能正确。请现在重新发送位置。",
    },
    "input.bad_time": {
        "en": "This message's time ({sent}) cannot be right, so it was not saved. Please send "
        "it again.",
        "zh": "此消息的时间（{sent}）不可能正确，因此未保存。请重新发送。",
    },
    "reject.stored": {
        "en": "The attempt is kept on record.",
        "zh": "本次尝试已存档。",
    },
    "alert.out_of_area": {
        "en": "⚠️ Out-of-area check-in: {name} ({team}) at {time}, {distance} from the site "
        "({timing}).",
        "zh": "⚠️ 范围外签到：{name}（{team}）于 {time}，距驻点 {distance}（{timing}）。",
    },
    "alert.oor_reason": {
        "en": "Reason from {name} ({team}): {reason}",
        "zh": "{name}（{team}）说明的原因：{reason}",
    },
    "unit.m": {"en": "{n} m", "zh": "{n} 米"},
    "unit.km": {"en": "{n} km", "zh": "{n} 公里"},
}

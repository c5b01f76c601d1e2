MESSAGES = {
    # The monthly compliance table's column.
    "compliance.col.signals": {"en": "Spoof signals", "zh": "伪造迹象"},
    # The "to look at" section of the supervisor's summary and weekly digest.
    "evidence.look_title": {
        "en": "🔎 To look at ({n}): signals of a possibly faked location",
        "zh": "🔎 待核查（{n}）：可能伪造位置的迹象",
    },
    "evidence.look_line": {
        "en": "• #{id} {name}, {day}: {signal} ({detail})",
        "zh": "• #{id} {name}，{day}：{signal}（{detail}）",
    },
    "evidence.look_more": {"en": "… and {n} more", "zh": "……另有 {n} 条"},
    "evidence.look_hint": {
        "en": "A signal never rejects a check-in. /evidence NAME shows the month; "
        "/clearsignal ID REASON clears one.",
        "zh": "迹象不会否定签到。/evidence 姓名 查看当月；/clearsignal 编号 理由 可消除。",
    },
    "evidence.signal.frozen_fix": {"en": "frozen fix", "zh": "位置重复"},
    "evidence.signal.impossible_travel": {"en": "impossible travel", "zh": "移动过快"},
    "evidence.signal.no_accuracy": {"en": "no GPS accuracy", "zh": "无定位精度"},
    "evidence.signal.static_live": {"en": "live location never moves", "zh": "实时位置静止"},
    "evidence.signal.edge_hugging": {"en": "at the edge of the radius", "zh": "贴近范围边缘"},
    "evidence.detail.same_spot": {
        "en": "same spot as {day}, {gap} m apart",
        "zh": "与 {day} 位置相同，相距 {gap} 米",
    },
    "evidence.detail.same_accuracy": {
        "en": "accuracy {acc} m on {n} {n:day|days}",
        "zh": "{n} 天精度均为 {acc} 米",
    },
    "evidence.detail.travel": {
        "en": "{km} km in {minutes} min, {kmh} km/h",
        "zh": "{minutes} 分钟移动 {km} 公里，{kmh} 公里/小时",
    },
    "evidence.detail.no_accuracy": {
        "en": "the location carried no accuracy",
        "zh": "位置未带精度",
    },
    "evidence.detail.static": {
        "en": "{points} points over {minutes} min within {spread} m",
        "zh": "{minutes} 分钟内 {points} 个点，移动不足 {spread} 米",
    },
    "evidence.detail.edge": {
        "en": "{n} {n:day|days} in {window} between {low} and {high} m",
        "zh": "{window} 天内有 {n} 天位于 {low}–{high} 米",
    },
    "evidence.source.checkin": {"en": "check-in", "zh": "签到"},
    "evidence.source.rollcall": {"en": "roll call", "zh": "抽查"},
    "evidence.source.live": {"en": "live location", "zh": "实时位置"},
    # /clearsignal
    "evidence.clear_usage": {
        "en": "Usage: /clearsignal ID REASON, e.g. /clearsignal 12 lives next to the site",
        "zh": "用法：/clearsignal 编号 理由，例如 /clearsignal 12 住在驻点旁",
    },
    "evidence.clear_unknown": {
        "en": "There is no signal #{id}.",
        "zh": "没有编号为 #{id} 的迹象。",
    },
    "evidence.clear_not_allowed": {
        "en": "Only the team's supervisors and admins can clear its signals.",
        "zh": "只有本队负责人和管理员可以消除迹象。",
    },
    "evidence.clear_done": {
        "en": "Signal #{id} cleared: {reason}",
        "zh": "迹象 #{id} 已消除：{reason}",
    },
    "evidence.clear_already": {
        "en": "Signal #{id} was already cleared.",
        "zh": "迹象 #{id} 此前已消除。",
    },
    # /evidence
    "evidence.usage": {
        "en": "Usage: /evidence MEMBER [YYYY-MM] — a name, @username or Telegram id",
        "zh": "用法：/evidence 队员 [YYYY-MM]（姓名、@用户名或 Telegram ID）",
    },
    "evidence.not_allowed": {
        "en": "Only supervisors and admins can see evidence.",
        "zh": "只有负责人和管理员可以查看证据。",
    },
    "evidence.no_member": {
        "en": "No member of your teams matches “{who}”.",
        "zh": "您的工作队中没有与“{who}”匹配的队员。",
    },
    "evidence.ambiguous": {
        "en": "“{who}” matches several members: {names}. Use the Telegram id.",
        "zh": "“{who}”匹配多名队员：{names}。请使用 Telegram ID。",
    },
    "evidence.bad_month": {
        "en": "“{month}” is not a month; use YYYY-MM.",
        "zh": "“{month}”不是月份，请用 YYYY-MM。",
    },
    "evidence.caption": {
        "en": "{name}, {team}, {month}: {fixes} fixes, {signals} signals",
        "zh": "{name}，{team}，{month}：{fixes} 个定位，{signals} 条迹象",
    },
    "evidence.no_signals": {"en": "No signals this month.", "zh": "本月没有迹象。"},
    "evidence.signals_title": {"en": "Signals ({n}):", "zh": "迹象（{n}）："},
    "evidence.cleared": {"en": "cleared: {reason}", "zh": "已消除：{reason}"},
    # The picture's labels.
    "evidence.chart.title": {
        "en": "{name} · {team} · {month}",
        "zh": "{name} · {team} · {month} 定位",
    },
    "evidence.chart.east": {"en": "metres east of the site", "zh": "驻点以东（米）"},
    "evidence.chart.north": {"en": "metres north of the site", "zh": "驻点以北（米）"},
    "evidence.chart.site": {"en": "site radius {r} m", "zh": "驻点范围 {r} 米"},
    "evidence.chart.on_time": {"en": "on time", "zh": "准时"},
    "evidence.chart.late": {"en": "late", "zh": "迟到"},
    "evidence.chart.missed": {"en": "after cutoff", "zh": "超过截止"},
    "evidence.chart.other": {"en": "roll call / evening", "zh": "抽查/晚间"},
    "evidence.chart.signal": {"en": "signal", "zh": "迹象"},
    "evidence.chart.far": {
        "en": "{n} {n:fix|fixes} beyond the frame (farthest {km} km)",
        "zh": "{n} 个定位在图外（最远 {km} 公里）",
    },
    # The admins' daily line.
    "evidence.anchor": {
        "en": "🔗 Evidence head for {day}: {hash}\nKeep it outside the system; "
        "`outpost audit verify --anchor HASH` proves nothing before it changed.",
        "zh": "🔗 {day} 证据链头：{hash}\n请在系统外保存；"
        "`outpost audit verify --anchor 哈希` 可证明此前记录未被改动。",
    },
}

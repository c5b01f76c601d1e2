MESSAGES = {
    # Column headers of the monthly table (text, XLSX).
    "compliance.col.team": {"en": "Team", "zh": "工作队"},
    "compliance.col.member": {"en": "Member", "zh": "队员"},
    "compliance.col.unit": {"en": "Unit", "zh": "派出单位"},
    "compliance.col.days": {"en": "Days on site", "zh": "在岗天数"},
    "compliance.col.made_up": {"en": "Made up", "zh": "补卡"},
    "compliance.col.nights": {"en": "Nights on site", "zh": "在岗夜数"},
    "compliance.col.late": {"en": "Late", "zh": "迟到"},
    "compliance.col.missed": {"en": "Missed", "zh": "缺勤"},
    "compliance.col.out_of_area": {"en": "Out of area", "zh": "外勤"},
    "compliance.col.leave_total": {"en": "Leave days", "zh": "请假天数"},
    "compliance.col.diary": {"en": "Diary days", "zh": "日志天数"},
    "compliance.col.absences": {"en": "Roll-call absences (year)", "zh": "抽查缺席（本年）"},
    "compliance.col.verdict": {"en": "Verdict", "zh": "结论"},
    "compliance.col.excellent": {"en": "Excellent eligible", "zh": "可评优秀"},
    "compliance.col.competent": {"en": "Competent eligible", "zh": "可评称职"},
    "compliance.col.day": {"en": "Day", "zh": "日"},
    # Leave types, as columns "Leave: sick" etc.
    "compliance.leave.personal": {"en": "Leave: personal", "zh": "事假"},
    "compliance.leave.sick": {"en": "Leave: sick", "zh": "病假"},
    "compliance.leave.official": {"en": "Leave: official business", "zh": "公差"},
    "compliance.leave.training": {"en": "Leave: training", "zh": "培训"},
    "compliance.leave.other": {"en": "Leave: other", "zh": "其他假"},
    # Verdicts and yes/no.
    "compliance.verdict.meets": {"en": "meets", "zh": "达标"},
    "compliance.verdict.short": {"en": "short", "zh": "未达标"},
    "compliance.verdict.short_covered": {
        "en": "short, covered by approved leave",
        "zh": "未达标（已批假可抵）",
    },
    "compliance.yes": {"en": "yes", "zh": "是"},
    "compliance.no": {"en": "no", "zh": "否"},
    "compliance.not_tracked": {"en": "not tracked", "zh": "未统计"},
    # Day statuses: legend names and the one-character grid codes of the XLSX.
    "compliance.status.on_site": {"en": "On site", "zh": "在岗"},
    "compliance.status.late": {"en": "Late", "zh": "迟到"},
    "compliance.status.made_up": {"en": "Made up", "zh": "补卡"},
    "compliance.status.out_of_area": {"en": "Out of area", "zh": "外勤"},
    "compliance.status.leave": {"en": "Leave", "zh": "请假"},
    "compliance.status.missed": {"en": "Missed", "zh": "缺勤"},
    "compliance.status.off": {"en": "Holiday / day off", "zh": "节假日/休息日"},
    "compliance.status.future": {"en": "Not yet", "zh": "未到"},
    "compliance.status.not_member": {"en": "Not yet a member", "zh": "尚未加入"},
    "compliance.code.on_site": {"en": "✓", "zh": "✓"},
    "compliance.code.late": {"en": "L", "zh": "迟"},
    "compliance.code.made_up": {"en": "M", "zh": "补"},
    "compliance.code.out_of_area": {"en": "O", "zh": "外"},
    "compliance.code.leave": {"en": "V", "zh": "假"},
    "compliance.code.missed": {"en": "✗", "zh": "缺"},
    "compliance.code.off": {"en": "-", "zh": "休"},
    # Sheets, chart, report text.
    "compliance.sheet.summary": {"en": "Compliance", "zh": "考勤汇总"},
    "compliance.sheet.grid": {"en": "Daily grid", "zh": "每日明细"},
    # The admins' digest workbook: an overview sheet, then a sheet per team.
    "compliance.sheet.overview": {"en": "Overview", "zh": "各队概览"},
    "compliance.overview.team": {"en": "Team", "zh": "工作队"},
    "compliance.overview.sheet": {"en": "Sheet", "zh": "工作表"},
    "compliance.overview.members": {"en": "Members", "zh": "队员人数"},
    "compliance.overview.meets": {"en": "Meet the policy", "zh": "达标"},
    "compliance.overview.covered": {"en": "Covered by leave", "zh": "请假可抵"},
    "compliance.overview.short": {"en": "Short", "zh": "未达标"},
    "compliance.chart.title": {
        "en": "{team} · attendance {month}",
        "zh": "{team} · {month} 考勤",
    },
    "compliance.chart.days_column": {"en": "days (min {min})", "zh": "在岗天数（≥{min}）"},
    "compliance.chart.page": {"en": "part {page} of {pages}", "zh": "第 {page}/{pages} 部分"},
    "compliance.report.heading": {
        "en": "📊 Monthly compliance · {team} · {month}",
        "zh": "📊 月度考勤 · {team} · {month}",
    },
    "compliance.report.incomplete": {
        "en": "(month in progress: figures so far)",
        "zh": "（本月尚未结束：截至目前的数据）",
    },
    "compliance.report.policy": {
        "en": "Policy: at least {days} {days:day|days} on site{nights}.",
        "zh": "要求：每月在岗至少 {days} 天{nights}。",
    },
    "compliance.report.policy_nights": {
        "en": " and {nights} nights",
        "zh": "、在岗住宿至少 {nights} 夜",
    },
    "compliance.report.counts": {
        "en": "{members} {members:member|members}: {meets} meet the policy,"
        " {covered} short but covered by "
        "approved leave, {short} short.",
        "zh": "共 {members} 名队员：{meets} 人达标，"
        "{covered} 人未达标但有已批假可抵，{short} 人未达标。",
    },
    "compliance.report.short_list": {"en": "Short: {names}", "zh": "未达标：{names}"},
    "compliance.report.covered_list": {
        "en": "Covered by leave: {names}",
        "zh": "请假可抵：{names}",
    },
    "compliance.report.ratings": {
        "en": "Roll-call absences this year: {excellent} not eligible for “excellent”, "
        "{competent} not eligible for “competent”.",
        "zh": "本年抽查缺席：{excellent} 人不可评“优秀”，{competent} 人不可评“称职”。",
    },
    "compliance.report.no_members": {
        "en": "No members this month.",
        "zh": "本月没有队员。",
    },
    "compliance.report.files": {
        "en": "Full table in the attached spreadsheet; the chart shows every day.",
        "zh": "完整表格见附件；图表显示每日情况。",
    },
    "compliance.report.more": {"en": "and {n} more", "zh": "等 {n} 人"},
    "report.not_allowed": {
        "en": "Only supervisors (for their teams) and administrators can ask for reports. "
        "Usage: /report [TEAM] [YYYY-MM]",
        "zh": "只有负责人（所带工作队）和管理员可以查看报表。用法：/report [队名] [YYYY-MM]",
    },
    "report.bad_month": {
        "en": "Please give the month as YYYY-MM, for example 2026-11.",
        "zh": "请按 YYYY-MM 格式输入月份，例如 2026-11。",
    },
    "compliance.digest.heading": {
        "en": "📊 Monthly compliance {month} · teams: {teams}",
        "zh": "📊 {month} 月度考勤汇总：共 {teams} 个工作队",
    },
    "compliance.digest.line": {
        "en": "• {team}: {members} {members:member|members}, {meets} meet,"
        " {covered} covered by leave, "
        "{short} short",
        "zh": "• {team}：队员 {members} 人，达标 {meets}，请假可抵 {covered}，未达标 {short}",
    },
    "compliance.digest.files": {
        "en": "The attached workbook has an overview and a sheet per team.",
        "zh": "附件工作簿首页为各队概览，之后每个工作队一张工作表。",
    },
}

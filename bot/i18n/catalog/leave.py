"""Leave and make-up requests: the member's conversation, approvers' prompts, decisions."""

MESSAGES = {
    "leave_type.personal": {"en": "Personal", "zh": "事假"},
    "leave_type.sick": {"en": "Sick", "zh": "病假"},
    "leave_type.official": {"en": "Official business", "zh": "公差"},
    "leave_type.training": {"en": "Training", "zh": "培训"},
    "leave_type.other": {"en": "Other", "zh": "其他"},
    "leave.members_only": {
        "en": "Leave and make-up requests are for members stationed with a team.",
        "zh": "只有驻点工作队队员可以请假或申请补签。",
    },
    "leave.ask_type": {
        "en": "New leave request. What kind of leave?",
        "zh": "新的请假申请。请选择请假类型：",
    },
    "leave.use_buttons": {
        "en": "Please choose with the buttons below (or /cancel).",
        "zh": "请使用下方按钮选择（或发送 /cancel 取消）。",
    },
    "leave.type_chosen": {"en": "Leave type: {type}", "zh": "请假类型：{type}"},
    "leave.month": {"en": "{year}-{month:02d}", "zh": "{year}年{month}月"},
    "leave.ask_first": {
        "en": "First day of leave? Pick it below or type YYYY-MM-DD, “today” or “tomorrow”.",
        "zh": "请假第一天？请在下方选择，或输入 YYYY-MM-DD、“今天”或“明天”。",
    },
    "leave.ask_last": {
        "en": "First day {first}. Last day of leave? Pick it or type it "
        "(the same day for one day).",
        "zh": "第一天 {first}。请假最后一天？请选择或输入（只请一天则选同一天）。",
    },
    "leave.day.malformed": {
        "en": "I couldn't read that date. Please type it like {example}, or “today”/“tomorrow”.",
        "zh": "无法识别该日期。请按 {example} 的格式输入，或输入“今天”/“明天”。",
    },
    "leave.day.too_far_past": {
        "en": "That day is too far in the past. Please pick a more recent day.",
        "zh": "该日期过于久远，请选择较近的日期。",
    },
    "leave.day.too_far_ahead": {
        "en": "That day is more than a year ahead. Please pick an earlier day.",
        "zh": "该日期超过一年以后，请选择较早的日期。",
    },
    "leave.day.before_first": {
        "en": "The last day cannot be before the first day ({first}). Please pick again.",
        "zh": "最后一天不能早于第一天（{first}），请重新选择。",
    },
    "leave.ask_reason": {"en": "Reason for the leave?", "zh": "请假事由？"},
    "leave.reason_empty": {
        "en": "Please type a reason (a few words are enough).",
        "zh": "请输入事由（简短几句即可）。",
    },
    "leave.reason_long": {
        "en": "That reason is too long: at most {max} characters, please.",
        "zh": "事由过长，请不超过 {max} 个字。",
    },
    "leave.summary": {
        "en": "Please check:\nType: {type}\nFrom {first} to {last}, days: {days}\nReason: {reason}",
        "zh": "请确认：\n类型：{type}\n{first} 至 {last}（共 {days} 天）\n事由：{reason}",
    },
    "leave.send": {"en": "✅ Send", "zh": "✅ 提交"},
    "leave.discard": {"en": "✖ Discard", "zh": "✖ 放弃"},
    "leave.discarded": {"en": "Discarded; nothing was sent.", "zh": "已放弃，未提交任何申请。"},
    "leave.clash": {
        "en": "These days overlap a request you already have: {clashes}.",
        "zh": "所选日期与您已有的申请重叠：{clashes}。",
    },
    "leave.clash_item": {
        "en": "#{id} {kind} {span} ({state})",
        "zh": "#{id} {kind} {span}（{state}）",
    },
    "leave.yours": {"en": "Your current requests:", "zh": "您当前的申请："},
    "leave.your_item": {"en": "#{id} {kind} {span}: {state}", "zh": "#{id} {kind} {span}：{state}"},
    "leave.none": {
        "en": "You have no pending or upcoming requests.",
        "zh": "您没有待审批或未开始的申请。",
    },
    "leave.cancel_button": {"en": "Cancel #{id}", "zh": "撤销 #{id}"},
    "leave.end_button": {"en": "I'm back: end #{id} today", "zh": "已返岗：今天结束 #{id}"},
    "leave.cancelled": {
        "en": "Request #{id} ({span}) is cancelled.",
        "zh": "申请 #{id}（{span}）已撤销。",
    },
    "leave.ended": {
        "en": "Leave #{id} ended: you are back from {day}; leave days taken: {days}, "
        "the rest released.",
        "zh": "请假 #{id} 已提前结束：自 {day} 起返岗；实际请假 {days} 天，其余已释放。",
    },
    "leave.cannot_change": {
        "en": "This request can no longer be changed.",
        "zh": "该申请已无法更改。",
    },
    "makeup.ask_reason": {
        "en": "Make-up check-in for {day}. Why was the check-in missed?",
        "zh": "申请补签 {day}。请说明未按时签到的原因：",
    },
    "makeup.summary": {
        "en": "Please check:\nMake-up check-in for {day}\nReason: {reason}",
        "zh": "请确认：\n补签日期：{day}\n原因：{reason}",
    },
    "makeup.not_yet": {
        "en": "A make-up is for a past day, or for today after the {cutoff} cutoff ({day} is not).",
        "zh": "补签只适用于过去的日期，或今天 {cutoff} 截止之后（{day} 不符合）。",
    },
    "makeup.not_needed": {
        "en": "{day} is already recorded as {timing}: no make-up needed.",
        "zh": "{day} 已记录为{timing}，无需补签。",
    },
    "makeup.not_workday": {
        "en": "{day} is not a workday for your team: nothing to make up.",
        "zh": "{day} 不是本队的工作日，无需补签。",
    },
    "leave.weekdays": {"en": "Mo Tu We Th Fr Sa Su", "zh": "一 二 三 四 五 六 日"},
    "leave.needs_admin": {
        "en": "ℹ️ Longer than {limit} days: after your supervisor, an administrator must also "
        "approve it.",
        "zh": "ℹ️ 超过 {limit} 天：负责人批准后，还需管理员批准。",
    },
    "leave.no_workdays": {
        "en": "{first} to {last} holds only holidays and days off: there is no leave to take. "
        "Choose the last day again.",
        "zh": "{first} 至 {last} 只有节假日和休息日，无需请假。请重新选择结束日期。",
    },
    "req.before_joining": {
        "en": "You were not a member of the team yet on {day}: you joined on {since}. "
        "Nothing to make up or take leave from before that. Choose {since} or later.",
        "zh": "{day} 时您还不是本队队员（您于 {since} 加入），此前无需补签或请假。"
        "请选择 {since} 或之后的日期。",
    },
    "makeup.made_up": {"en": "made up", "zh": "已补签"},
    "makeup.offer_button": {"en": "📝 Ask for a make-up", "zh": "📝 申请补签"},
    "makeup.offer": {
        "en": "Missed the cutoff for a good reason? Ask your supervisor for a make-up:",
        "zh": "因故错过截止时间？可向负责人申请补签：",
    },
    "req.kind.leave": {"en": "leave", "zh": "请假"},
    "req.kind.makeup": {"en": "make-up", "zh": "补签"},
    "req.state.pending": {"en": "waiting for the supervisor", "zh": "待负责人审批"},
    "req.state.awaiting_admin": {"en": "waiting for an administrator", "zh": "待管理员审批"},
    "req.state.approved": {"en": "approved", "zh": "已批准"},
    "req.state.rejected": {"en": "rejected", "zh": "已驳回"},
    "req.state.cancelled": {"en": "cancelled", "zh": "已撤销"},
    "req.span": {"en": "{first} to {last}", "zh": "{first} 至 {last}"},
    "req.title.leave": {
        "en": "🏖 Leave request #{id} from {name} ({team})",
        "zh": "🏖 请假申请 #{id}：{name}（{team}）",
    },
    "req.title.makeup": {
        "en": "📝 Make-up request #{id} from {name} ({team})",
        "zh": "📝 补签申请 #{id}：{name}（{team}）",
    },
    "req.leave_line": {"en": "{type}, {span}, days: {days}", "zh": "{type}，{span}（{days} 天）"},
    "req.makeup_line": {"en": "Day: {day}", "zh": "日期：{day}"},
    "req.reason_line": {"en": "Reason: {reason}", "zh": "事由：{reason}"},
    "req.retroactive": {
        "en": "⚠ Retroactive (asked after it began)",
        "zh": "⚠ 补请（开始后才申请）",
    },
    "req.ended_early": {
        "en": "Ended early: back on {day}, days taken: {days}",
        "zh": "已提前结束：{day} 返岗，实际 {days} 天",
    },
    "req.approve": {"en": "✅ Approve", "zh": "✅ 批准"},
    "req.reject": {"en": "❌ Reject", "zh": "❌ 驳回"},
    "req.admin_needed": {
        "en": "Approved by the supervisor; longer than the policy allows without a second "
        "approval. Your decision:",
        "zh": "负责人已批准；天数超过规定，需要管理员二次审批。请您决定：",
    },
    "req.reminder": {
        "en": "⏰ Reminder: this request has waited more than 24 hours.",
        "zh": "⏰ 提醒：该申请已等待超过 24 小时。",
    },
    "req.escalated": {
        "en": "⚠ Escalated: no supervisor decided this request within 48 hours.",
        "zh": "⚠ 升级：负责人 48 小时内未处理该申请。",
    },
    "req.closed.approved": {"en": "✅ Approved by {name}.", "zh": "✅ 已由 {name} 批准。"},
    "req.closed.rejected": {"en": "❌ Rejected by {name}.", "zh": "❌ 已由 {name} 驳回。"},
    "req.closed.awaiting_admin": {
        "en": "✅ Approved by {name}; sent to the administrators for the second approval.",
        "zh": "✅ 已由 {name} 批准；已提交管理员二次审批。",
    },
    "req.closed.cancelled": {"en": "✖ Cancelled by the member.", "zh": "✖ 申请人已撤销。"},
    "req.already": {"en": "Already decided: {state} by {name}.", "zh": "已处理：{name}{state}。"},
    "req.done": {"en": "Done.", "zh": "已处理。"},
    "req.ask_reject_reason": {
        "en": "Why are you rejecting request #{id}? The member will see your reason.",
        "zh": "驳回申请 #{id} 的原因？申请人会看到该原因。",
    },
    "req.rejected_done": {
        "en": "Request #{id} rejected; the member is told.",
        "zh": "申请 #{id} 已驳回，已通知申请人。",
    },
    # Whether a request exists, or whose team it is in, is not told to someone who may
    # not decide it: one answer for both.
    "req.refused.not_found": {
        "en": "This button is not for you.",
        "zh": "此按钮不是给您的。",
    },
    "req.refused.own": {
        "en": "You cannot decide your own request.",
        "zh": "您不能审批自己的申请。",
    },
    "req.refused.not_approver": {
        "en": "This button is not for you.",
        "zh": "此按钮不是给您的。",
    },
    "req.refused.decided": {"en": "This request is already decided.", "zh": "该申请已处理。"},
    "req.submitted": {
        "en": "Request #{id} sent to {n} {n:approver|approvers}. I'll tell you when it is decided.",
        "zh": "申请 #{id} 已发送给 {n} 位审批人。有结果时会通知您。",
    },
    "req.submitted_nobody": {
        "en": "Request #{id} is saved, but no approver could be reached yet; an administrator "
        "will see it.",
        "zh": "申请 #{id} 已保存，但暂时联系不到审批人；管理员会看到该申请。",
    },
    "req.member.leave.approved": {
        "en": "✅ Your leave #{id} ({span}) is approved by {name}.",
        "zh": "✅ 您的请假 #{id}（{span}）已由 {name} 批准。",
    },
    "req.member.leave.awaiting_admin": {
        "en": "Your leave #{id} ({span}) is approved by {name}. As it is longer than {limit} "
        "days, it now waits for an administrator's second approval.",
        "zh": "您的请假 #{id}（{span}）已由 {name} 批准。因超过 {limit} 天，现等待管理员二次审批。",
    },
    "req.member.leave.rejected": {
        "en": "❌ Your leave #{id} ({span}) was rejected by {name}. Reason: {reason}",
        "zh": "❌ 您的请假 #{id}（{span}）被 {name} 驳回。原因：{reason}",
    },
    "req.member.makeup.approved": {
        "en": "✅ Your make-up #{id} for {span} is approved by {name}: the day counts as "
        "attended (made up).",
        "zh": "✅ 您的补签 #{id}（{span}）已由 {name} 批准：该日按出勤计（补签）。",
    },
    "req.member.makeup.rejected": {
        "en": "❌ Your make-up #{id} for {span} was rejected by {name}. Reason: {reason}",
        "zh": "❌ 您的补签 #{id}（{span}）被 {name} 驳回。原因：{reason}",
    },
    "req.notice.cancelled": {
        "en": "{name} cancelled approved request #{id}.",
        "zh": "{name} 撤销了已批准的申请 #{id}。",
    },
    "req.notice.ended": {
        "en": "{name} ended leave #{id} early and is back.",
        "zh": "{name} 已提前结束请假 #{id} 并返岗。",
    },
}

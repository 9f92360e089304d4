"""Texts of the customer health and early-warning pages: lifecycle, churn, CLV, retention, NPS, behaviour,
at-risk customers, what churned customers had in common, care reminders."""

TEXTS = {
    # navigation
    "health.page": {"zh": "客户健康", "en": "Customer health"},
    "warning.page": {"zh": "预警与关怀", "en": "Warning & care"},
    "health.title": {"zh": "客户健康：我们留住客户了吗", "en": "Customer health: are we keeping them?"},
    "health.caption": {"zh": "{start} 至 {end}；阶段按 {end} 计算", "en": "{start} to {end}; stages as of {end}"},
    "health.section": {"zh": "查看", "en": "View"},
    "health.section.lifecycle": {"zh": "生命周期", "en": "Lifecycle"},
    "health.section.churn": {"zh": "流失率", "en": "Churn"},
    "health.section.value": {"zh": "客户价值 CLV", "en": "Lifetime value"},
    "health.section.retention": {"zh": "留存", "en": "Retention"},
    "health.section.nps": {"zh": "NPS", "en": "NPS"},
    "health.section.behaviour": {"zh": "行为", "en": "Behaviour"},

    # lifecycle
    "health.stage.prospect": {"zh": "潜在（未购买）", "en": "Prospect (no purchase)"},
    "health.stage.new": {"zh": "新客（90 天内首购）", "en": "New (first purchase within 90 days)"},
    "health.stage.repeat": {"zh": "复购", "en": "Repeat"},
    "health.stage.one-time": {"zh": "仅购买一次", "en": "One-time"},
    "health.stage.lapsed": {"zh": "沉睡（超 365 天未购买）", "en": "Lapsed (no purchase for 365+ days)"},
    "health.stage.lost": {"zh": "已流失", "en": "Lost"},
    "health.stage.none": {"zh": "（当时尚未建档）", "en": "(not yet a customer)"},
    "health.lifecycle.help": {
        "zh": "截至 {end} 已建档客户按第一条符合的规则归入阶段：已流失、潜在（从未购买）、沉睡（最后一次购买超过 365 天）、"
              "新客（首次购买在 90 天内）、复购（购买 2 次及以上）、仅购买一次。点击柱子查看客户。",
        "en": "Customers created by {end}, by the first rule that matches: lost, prospect (never bought), lapsed (last "
              "purchase over 365 days ago), new (first purchase within 90 days), repeat (2+ purchases), one-time. "
              "Click a bar to see the customers."},
    "health.lifecycle.pick": {"zh": "查看阶段", "en": "Show a stage"},
    "health.movement": {"zh": "区间内的阶段变化", "en": "Movement over the range"},
    "health.movement.help": {"zh": "{start} 之前一天所处阶段 → {end} 所处阶段（只列出有变化的客户）。",
                             "en": "Stage the day before {start} → stage on {end} (only customers whose stage changed)."},
    "health.movement.col.from": {"zh": "原阶段", "en": "From"},
    "health.movement.col.to": {"zh": "现阶段", "en": "To"},
    "health.movement.pick": {"zh": "查看变化", "en": "Show a movement"},
    "health.movement.line": {"zh": "{frm} → {to}：{n} 个客户", "en": "{frm} → {to}: {n} customers"},

    # churn
    "health.churn.help": {
        "zh": "流失率 = 该周期内流失的客户 ÷ 周期开始时的在册客户（开始前建档且未流失）。右轴为净增长（新增 − 流失）。",
        "en": "Churn rate = customers lost in the period ÷ customers active at its start (created before it, not lost). "
              "The right axis shows net growth (new − churned)."},
    "health.churn.rate": {"zh": "流失率", "en": "Churn rate"},
    "health.churn.net": {"zh": "净增长", "en": "Net growth"},
    "health.col.churned": {"zh": "流失客户", "en": "Churned"},
    "health.col.active_at_start": {"zh": "期初在册客户", "en": "Active at start"},
    "health.col.period": {"zh": "周期", "en": "Period"},
    "health.churn.pick": {"zh": "查看周期", "en": "Show a period"},
    "health.churn.which.churned": {"zh": "流失的客户", "en": "Churned"},
    "health.churn.which.active_at_start": {"zh": "期初在册客户", "en": "Active at start"},

    # value
    "health.value.help": {
        "zh": "CLV = 客单价 × 年购买频次 × 预期生命周期（1 ÷ 年化流失率，最多 10 年）。按区间内的成交计算。",
        "en": "CLV = average order value × purchases per year × expected lifetime (1 ÷ yearly churn rate, at most "
              "10 years), from the won deals in the range."},
    "health.col.average_order_value": {"zh": "客单价", "en": "Average order value"},
    "health.col.purchase_frequency": {"zh": "年购买频次", "en": "Purchases per year"},
    "health.col.churn_rate": {"zh": "年化流失率", "en": "Yearly churn rate"},
    "health.col.lifetime": {"zh": "预期生命周期（年）", "en": "Expected lifetime (years)"},
    "health.col.clv": {"zh": "客户终身价值 CLV", "en": "Customer lifetime value"},
    "health.col.buyers": {"zh": "成交客户", "en": "Buyers"},
    "health.value.by": {"zh": "按客户属性", "en": "By attribute"},
    "health.value.pick": {"zh": "查看该类成交客户", "en": "Show the buyers of"},

    # retention
    "health.retention.help": {
        "zh": "按首次购买月份分组（首购在区间内）：之后第 N 个月仍有购买的客户占比。悬停查看人数。",
        "en": "Customers grouped by the month of their first purchase (inside the range): the share who bought again "
              "N months later. Hover for counts."},
    "health.retention.x": {"zh": "首购后第几个月", "en": "Months since first purchase"},
    "health.retention.y": {"zh": "首购月份", "en": "First purchase month"},
    "health.retention.list": {"zh": "{cohort} 首购组 · 第 {k} 个月有购买", "en": "First bought {cohort} · bought in month {k}"},
    "health.retention.hover": {"zh": "{cohort} 组第 {k} 个月：{n}/{size} 个客户（{share}）",
                               "en": "{cohort}, month {k}: {n} of {size} customers ({share})"},

    # nps
    "health.nps.help": {"zh": "NPS = 推荐者（9-10 分）占比 − 贬损者（0-6 分）占比，取值 −100 到 100。",
                        "en": "NPS = % promoters (9-10) − % detractors (0-6), from −100 to 100."},
    "health.col.promoters": {"zh": "推荐者", "en": "Promoters"},
    "health.col.passives": {"zh": "中立者", "en": "Passives"},
    "health.col.detractors": {"zh": "贬损者", "en": "Detractors"},
    "health.col.responses": {"zh": "回复数", "en": "Responses"},
    "health.col.nps": {"zh": "NPS", "en": "NPS"},
    "health.nps.none": {"zh": "区间内没有满意度调查回复。", "en": "No survey answers in the range."},

    # behaviour
    "health.behaviour.frequency": {"zh": "每客户每周期联系次数（按渠道）", "en": "Contacts per customer per period, by channel"},
    "health.behaviour.frequency.help": {"zh": "跟进次数 ÷ 被跟进的客户数。", "en": "Follow-ups ÷ customers contacted."},
    "health.behaviour.repurchase": {"zh": "复购率", "en": "Repurchase rate"},
    "health.behaviour.repurchase.help": {"zh": "截至 {end}，购买 2 次及以上的客户 ÷ 有购买的客户。",
                                         "en": "As of {end}: customers with 2+ purchases ÷ customers with a purchase."},
    "health.behaviour.clusters": {"zh": "行为分群", "en": "Behaviour clusters"},
    "health.behaviour.clusters.help": {
        "zh": "按最近购买、购买次数、金额和联系频率对有购买的客户做 k-means 聚类（结果固定可复现）。",
        "en": "k-means over recency, purchases, value and contact rhythm of the customers who bought (reproducible)."},
    "health.col.cluster": {"zh": "分群", "en": "Cluster"},
    "health.col.description": {"zh": "特征", "en": "What they are like"},
    "health.col.recency_days": {"zh": "距最近购买（天）", "en": "Days since last purchase"},
    "health.col.purchases": {"zh": "购买次数", "en": "Purchases"},
    "health.col.revenue": {"zh": "金额", "en": "Value"},
    "health.col.contact_every_days": {"zh": "平均几天联系一次", "en": "Contacted every … days"},
    "health.col.follow_ups": {"zh": "跟进次数", "en": "Follow-ups"},
    "health.col.customers": {"zh": "客户数", "en": "Customers"},
    "health.col.contacts_per_customer": {"zh": "每客户联系次数", "en": "Contacts per customer"},
    "health.col.channel": {"zh": "渠道", "en": "Channel"},
    "health.col.repeat_buyers": {"zh": "复购客户", "en": "Repeat buyers"},
    "health.word.recent": {"zh": "近期有购买", "en": "bought recently"},
    "health.word.lapsing": {"zh": "久未购买", "en": "not bought for long"},
    "health.word.rare": {"zh": "购买少", "en": "buy rarely"},
    "health.word.frequent": {"zh": "购买频繁", "en": "buy often"},
    "health.word.low_value": {"zh": "金额低", "en": "low value"},
    "health.word.high_value": {"zh": "金额高", "en": "high value"},
    "health.word.contacted_often": {"zh": "联系频繁", "en": "contacted often"},
    "health.word.contacted_seldom": {"zh": "很少联系", "en": "seldom contacted"},
    "health.word.typical": {"zh": "与整体相近", "en": "like buyers overall"},
    "pool.col.recency_days": {"zh": "距最近购买（天）", "en": "Days since last purchase"},
    "pool.col.purchases": {"zh": "购买次数", "en": "Purchases"},
    "pool.col.revenue": {"zh": "购买金额", "en": "Value"},
    "pool.col.contact_every_days": {"zh": "平均几天联系一次", "en": "Contacted every … days"},
    "health.cluster.pick": {"zh": "查看分群", "en": "Show a cluster"},
    "health.cluster.name": {"zh": "第 {n} 群", "en": "Cluster {n}"},

    # early warning
    "warning.title": {"zh": "预警与关怀", "en": "Early warning and care"},
    "warning.caption": {"zh": "截至 {end}", "en": "As of {end}"},
    "warning.section.at_risk": {"zh": "流失预警", "en": "At risk"},
    "warning.section.churned": {"zh": "流失客户的共同点", "en": "What churned customers shared"},
    "warning.section.care": {"zh": "关怀提醒", "en": "Care reminders"},
    "warning.help": {
        "zh": "未流失的客户中：购买间隔或联系间隔超过其自身平均间隔 2 倍（平均间隔至少按 7 天计），或最近一次满意度评分比上一次低 3 分以上。"
              "按倍数从高到低排列。",
        "en": "Customers not lost whose time since the last purchase or contact is over twice their own usual gap (at "
              "least 7 days), or whose latest survey score dropped 3 or more. Highest ratio first."},
    "warning.reason.purchase_gap": {"zh": "平均 {usual} 天购买一次；距上次下单已 {since} 天",
                                    "en": "usually buys every {usual} days; {since} days since the last order"},
    "warning.reason.contact_gap": {"zh": "平均 {usual} 天联系一次；距上次联系已 {since} 天",
                                   "en": "usually contacted every {usual} days; {since} days since the last contact"},
    "warning.reason.nps_drop": {"zh": "满意度评分下降 {drop} 分（{since} 天前）",
                                "en": "survey score dropped by {drop} ({since} days ago)"},
    "warning.kind.purchase_gap": {"zh": "购买中断", "en": "Stopped buying"},
    "warning.kind.contact_gap": {"zh": "联系中断", "en": "Contact lapsed"},
    "warning.kind.nps_drop": {"zh": "满意度下降", "en": "Score dropped"},
    "warning.by_owner": {"zh": "按负责人", "en": "Per owner"},
    "warning.col.owner": {"zh": "负责人", "en": "Owner"},
    "warning.col.customer": {"zh": "客户", "en": "Customer"},
    "warning.col.reason": {"zh": "原因", "en": "Why"},
    "warning.col.kind": {"zh": "预警类型", "en": "Signal"},
    "warning.col.ratio": {"zh": "倍数", "en": "Ratio"},
    "warning.col.customers": {"zh": "预警客户", "en": "Customers at risk"},
    "warning.owner.pick": {"zh": "查看负责人的预警客户", "en": "Show an owner's customers at risk"},
    "warning.pool": {"zh": "公海（无负责人）", "en": "Public pool (no owner)"},
    "warning.pool_note": {"zh": "另有 {n} 个公海客户（无负责人）符合预警条件，不在图中；可在下方选择“公海”查看。",
                          "en": "{n} more customers at risk are in the public pool (no owner) and left out of the chart; "
                                "pick the public pool below to see them."},
    "warning.with_pool": {"zh": "包含公海客户", "en": "Include the public pool"},
    "warning.none": {"zh": "没有需要预警的客户。", "en": "No customer is at risk."},
    "warning.headline": {"zh": "{n} 个客户需要关注：{parts}", "en": "{n} customers need attention: {parts}"},
    "warning.list": {"zh": "预警客户", "en": "Customers at risk"},

    # churned vs stayed
    "warning.churned.help": {"zh": "{start} 至 {end} 流失的客户与截至 {end} 仍在的客户相比。",
                             "en": "Customers lost {start} to {end} against those still with us on {end}."},
    "warning.churned.rhythm": {
        "zh": "流失客户在流失前 90 天平均每 {churned} 天被联系一次，留下的客户（{end} 前 90 天）每 {stayed} 天一次。",
        "en": "Churned customers were contacted every {churned} days on average in their last 90 days, those who "
              "stayed every {stayed} days (90 days to {end})."},
    "warning.churned.nps": {"zh": "流失前 90 天的 NPS：流失客户 {churned}，留下的客户 {stayed}。",
                            "en": "NPS in those 90 days: {churned} for churned customers, {stayed} for those who stayed."},
    "warning.churned.aspect": {"zh": "{aspect}为“{value}”的客户占流失客户的 {churned}，占留下客户的 {stayed}。",
                               "en": "{aspect} “{value}”: {churned} of churned customers, {stayed} of those who stayed."},
    "warning.churned.none": {"zh": "区间内没有流失客户。", "en": "No customer was lost in the range."},
    "warning.aspect.industry": {"zh": "行业", "en": "Industry"},
    "warning.aspect.source": {"zh": "来源", "en": "Source"},
    "warning.aspect.owner": {"zh": "负责人", "en": "Owner"},
    "warning.aspect.size": {"zh": "规模", "en": "Size"},
    "warning.col.aspect": {"zh": "维度", "en": "Aspect"},
    "warning.col.value": {"zh": "取值", "en": "Value"},
    "warning.col.churned_share": {"zh": "占流失客户", "en": "Share of churned"},
    "warning.col.stayed_share": {"zh": "占留下客户", "en": "Share of stayed"},
    "warning.col.group": {"zh": "客户", "en": "Group"},
    "warning.group.churned": {"zh": "流失客户", "en": "Churned"},
    "warning.group.stayed": {"zh": "留下的客户", "en": "Stayed"},

    # care
    "care.help": {
        "zh": "{first} 至 {last}：客户生日、约定的下次联系，以及每个法定节假日前应问候的重点客户（近 365 天贡献 80% 收入的客户）。",
        "en": "{first} to {last}: birthdays, agreed next contacts, and before each public holiday the key customers "
              "(those bringing 80% of the last 365 days' revenue)."},
    "care.days": {"zh": "未来天数", "en": "Days ahead"},
    "care.occasion.birthday": {"zh": "生日", "en": "Birthday"},
    "care.occasion.next_contact": {"zh": "约定联系", "en": "Agreed contact"},
    "care.col.date": {"zh": "日期", "en": "Date"},
    "care.col.occasion": {"zh": "事由", "en": "Occasion"},
    "care.col.customer": {"zh": "客户", "en": "Customer"},
    "care.col.owner": {"zh": "负责人", "en": "Owner"},
    "care.col.reminders": {"zh": "提醒数", "en": "Reminders"},
    "care.owner": {"zh": "负责人", "en": "Rep"},
    "care.all_owners": {"zh": "全部负责人", "en": "Every rep"},
    "care.none": {"zh": "这段时间没有需要关怀的客户。", "en": "Nobody to greet or call in these days."},
    "care.download": {"zh": "下载提醒清单（CSV）", "en": "Download the reminders (CSV)"},
    "care.download_xlsx": {"zh": "下载提醒清单（Excel）", "en": "Download the reminders (Excel)"},
    "care.per_day": {"zh": "每日提醒", "en": "Reminders per day"},
}

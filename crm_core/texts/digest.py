"""Texts of the e-mailed digest (python -m crm_core digest)."""

TEXTS = {
    "digest.subject": {"zh": "CRM 洞察{period}报：{start} 至 {end}", "en": "CRM Insight {period} digest: {start} to {end}"},
    "digest.period.week": {"zh": "周", "en": "weekly"},
    "digest.period.month": {"zh": "月", "en": "monthly"},
    "digest.greeting": {"zh": "{name}，你好：", "en": "Hello {name},"},
    "digest.intro": {"zh": "以下是你可见范围内 {start} 至 {end} 的数据，与之前的 {start_prev} 至 {end_prev} 相比。",
                     "en": "here are the numbers you may see for {start} to {end}, against {start_prev} to {end_prev}."},
    "digest.overview": {"zh": "概览", "en": "Overview"},
    "digest.team": {"zh": "团队排行", "en": "Team"},
    "digest.col.metric": {"zh": "指标", "en": "Metric"},
    "digest.col.current": {"zh": "本期", "en": "This range"},
    "digest.col.previous": {"zh": "上期", "en": "Before"},
    "digest.col.change": {"zh": "变化", "en": "Change"},
    "digest.chart": {"zh": "每{bucket}新增与流失客户", "en": "New and churned customers per {bucket}"},
    "digest.chart_alt": {"zh": "新增与流失客户柱状图", "en": "Bar chart of new and churned customers"},
    "digest.open_app": {"zh": "在 CRM 洞察中打开同一时间范围", "en": "Open the same range in CRM Insight"},
    "digest.no_rows": {"zh": "（无）", "en": "(none)"},
}

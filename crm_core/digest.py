"""The e-mailed digest (``python -m crm_core digest --to EMPLOYEE``): the Overview's and the Team page's
numbers for the last complete week or month, computed in the RECIPIENT's scope (DESIGN.md, "Who sees
what"), as a multipart/alternative e-mail (plain text, HTML with an inline PNG chart drawn with Pillow,
referenced by cid:) and a link that opens the same range in the app.

SMTP settings come from the environment, else from the [smtp] section of the app's secrets
(.streamlit/secrets.toml, or the file $CRM_SECRETS names: host, port, user, password, from, starttls):

- CRM_SMTP_HOST (required to send), CRM_SMTP_PORT (default 587), CRM_SMTP_USER and CRM_SMTP_PASSWORD (log
  in when a user is given), CRM_SMTP_FROM (the sender; default CRM_SMTP_USER), CRM_SMTP_STARTTLS (1/0,
  yes/no, on/off, true/false; default on).

Every text from the data that goes into the HTML goes through ``markup.html``. No Streamlit here.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import smtplib
import ssl
import tomllib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from urllib.parse import urlencode

import pandas as pd

from .errors import UserError
from .filters import Filters
from .markup import html
from .periods import period_start
from .reports import get
from .scope import Scope, Viewer, viewer_for
from .texts import DEFAULT_LANGUAGE, LANGUAGES, text

DEFAULT_APP_URL = "http://127.0.0.1:8501"
DIGEST_PERIODS = ("week", "month")
SUMMARY_METRICS = ["new_customers", "contacted_customers", "next_contact_customers", "won_customers",
                   "churned_customers", "net_growth"]
TEAM_MEASURES = ["new_customers", "contacted_customers", "follow_ups", "won_customers", "revenue", "win_rate"]
BUCKET = {"week": "day", "month": "week"}  # the chart's bars and the link's period


def last_complete(period: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """The last whole ISO week (Monday .. Sunday) or calendar month before the one holding ``today``."""
    if period not in DIGEST_PERIODS:
        raise UserError(f"--period must be week or month, not {period!r}")
    end = period_start(today, period) - dt.timedelta(days=1)
    return period_start(end, period), end


def app_link(app_url: str, start: dt.date, end: dt.date, period: str, lang: str) -> str:
    """A link that opens the app on the same range (ui/state.py's query string: range, start, end, period)."""
    query = urlencode({"lang": lang, "range": "custom", "start": start.isoformat(), "end": end.isoformat(),
                       "period": BUCKET[period]})
    return f"{app_url.rstrip('/')}/?{query}"


@dataclass
class Digest:
    """What the e-mail says, before it is rendered."""

    employee_id: str
    name: str
    email: str | None
    viewer: Viewer
    period: str
    lang: str
    start: dt.date
    end: dt.date
    previous: tuple[dt.date, dt.date]
    summary: pd.DataFrame  # metric, current, previous
    team: pd.DataFrame  # who (a name), then TEAM_MEASURES
    team_by: str  # employee or department
    trend: pd.DataFrame  # period, new_customers, churned_customers
    link: str


def compute(backend, employee_id: str, period: str = "week", today: dt.date | None = None,
            app_url: str = DEFAULT_APP_URL, lang: str = DEFAULT_LANGUAGE) -> Digest:
    """The digest's numbers for ``employee_id``, in their scope (never the sender's)."""
    if lang not in LANGUAGES:
        raise UserError(f"--lang must be one of {', '.join(LANGUAGES)}, not {lang!r}")
    viewer = viewer_for(backend, str(employee_id))
    start, end = last_complete(period, today or dt.date.today())
    scope = Scope(backend, Filters(start=start, end=end, period=BUCKET[period]), viewer)

    me = scope.run(scope.visible("employees").filter(lambda e: e.employee_id == viewer.employee_id)
                   .select("name", "email"))
    name = str(me["name"].iloc[0]) if not me.empty else viewer.employee_id
    email = me["email"].iloc[0] if not me.empty else None
    email = str(email).strip() if isinstance(email, str) and email.strip() else None

    summary = get("growth-summary").run(scope)
    if summary.empty:
        prev = (start - (end - start + dt.timedelta(days=1)), start - dt.timedelta(days=1))
        summary = pd.DataFrame({"metric": SUMMARY_METRICS, "current": 0, "previous": 0})
    else:
        prev = (summary["previous_start"].iloc[0], summary["previous_end"].iloc[0])
    summary = summary[["metric", "current", "previous"]]

    team_by = "department" if viewer.sees_all else "employee"
    board = get("leaderboard").run(scope, by=team_by)
    people = scope.people()
    names = ({d[0]: d[1] for d in people["departments"]} if team_by == "department"
             else {e[0]: e[1] for e in people["employees"]})
    key = f"{team_by}_id"
    board = board.assign(who=board[key].map(lambda k: names.get(k, k)))[["who", key, *TEAM_MEASURES]]

    trend = get("net-growth").run(scope)[["period", "new_customers", "churned_customers"]]
    return Digest(viewer.employee_id, name, email, viewer, period, lang, start, end, prev, summary, board,
                  team_by, trend, app_link(app_url, start, end, period, lang))


# -- rendering ---------------------------------------------------------------------------------------------------
def _number(value, measure: str = "") -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "–"
    if measure == "win_rate":
        return f"{float(value):.0%}"
    if measure == "revenue":
        return f"{float(value):,.2f}"
    return f"{int(value):,}"


def _change(current, previous) -> str:
    diff = int(current) - int(previous)
    return f"{diff:+,}"


# Fonts with Chinese glyphs (Debian's fonts-noto-cjk, WenQuanYi), for the chart's legend in the recipient's
# language; without one the legend is in English (Pillow's own font has no CJK glyphs).
CJK_FONTS = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
             "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
             "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")


def _legend_font(lang: str):
    """(font, language of the legend): a CJK font and the recipient's language when one is installed."""
    from PIL import ImageFont

    for path in CJK_FONTS:
        if Path(path).is_file():
            return ImageFont.truetype(path, 12), lang
    return ImageFont.load_default(), "en"


def chart_png(d: Digest) -> bytes:
    """A small bar chart of new (blue) vs churned (orange) customers per day or week, as PNG bytes; the legend
    in the recipient's language (see CJK_FONTS)."""
    from PIL import Image, ImageDraw

    width, height, pad, bottom = 560, 220, 30, 30
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    rows = d.trend.sort_values("period")
    top = max([1, *rows["new_customers"].tolist(), *rows["churned_customers"].tolist()])
    base = height - bottom
    draw.line([(pad, base), (width - pad, base)], fill="#999999")
    n = max(len(rows), 1)
    slot = (width - 2 * pad) / n
    bar = max(2, int(slot * 0.35))
    for i, r in enumerate(rows.itertuples(index=False)):
        x = pad + i * slot + slot / 2
        for j, (value, colour) in enumerate(((r.new_customers, "#1f77b4"), (r.churned_customers, "#ff7f0e"))):
            h = int((base - pad) * int(value) / top)
            x0 = int(x - bar + j * bar)
            draw.rectangle([x0, base - h, x0 + bar - 1, base], fill=colour)
        label = pd.Timestamp(r.period).strftime("%m-%d")
        draw.text((int(x - 14), base + 8), label, fill="#333333")
    font, lang = _legend_font(d.lang)
    x = pad
    for key, colour in (("metric.new_customers", "#1f77b4"), ("metric.churned_customers", "#ff7f0e")):
        words = text(key, lang)
        draw.rectangle([x, 6, x + 10, 16], fill=colour)
        draw.text((x + 14, 4), words, fill="#333333", font=font)
        x += 14 + int(draw.textlength(words, font=font)) + 16
    draw.text((width - pad - 60, 6), f"max {top}", fill="#333333")
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def _t(d: Digest, key: str, **values) -> str:
    return text(key, d.lang, **values)


def render_text(d: Digest) -> str:
    lines = [_t(d, "digest.greeting", name=d.name), "",
             _t(d, "digest.intro", start=d.start, end=d.end, start_prev=d.previous[0], end_prev=d.previous[1]), "",
             _t(d, "digest.overview")]
    for r in d.summary.itertuples(index=False):
        lines.append(f"  {_t(d, f'metric.{r.metric}')}: {_number(r.current)} "
                     f"({_t(d, 'digest.col.previous')} {_number(r.previous)}, {_change(r.current, r.previous)})")
    lines += ["", _t(d, "digest.team")]
    if d.team.empty:
        lines.append("  " + _t(d, "digest.no_rows"))
    for r in d.team.itertuples(index=False):
        figures = ", ".join(f"{_t(d, f'team.col.{m}')} {_number(getattr(r, m), m)}" for m in TEAM_MEASURES)
        lines.append(f"  {r.who}: {figures}")
    lines += ["", f"{_t(d, 'digest.open_app')}: {d.link}", ""]
    return "\n".join(lines)


def render_html(d: Digest, chart_cid: str) -> str:
    """The HTML part; ``chart_cid`` without angle brackets. Every text from the data goes through html()."""
    cell = 'style="padding:4px 10px;border-bottom:1px solid #ddd;text-align:{}"'
    left, right = cell.format("left"), cell.format("right")
    head = "".join(f"<th {right if i else left}>{html(_t(d, k))}</th>" for i, k in enumerate(
        ["digest.col.metric", "digest.col.current", "digest.col.previous", "digest.col.change"]))
    summary = "".join(
        f"<tr><td {left}>{html(_t(d, f'metric.{r.metric}'))}</td><td {right}>{_number(r.current)}</td>"
        f"<td {right}>{_number(r.previous)}</td><td {right}>{_change(r.current, r.previous)}</td></tr>"
        for r in d.summary.itertuples(index=False))
    who = _t(d, "team.col.department" if d.team_by == "department" else "team.col.employee")
    team_head = f"<th {left}>{html(who)}</th>" + "".join(
        f"<th {right}>{html(_t(d, f'team.col.{m}'))}</th>" for m in TEAM_MEASURES)
    team_rows = "".join(
        f"<tr><td {left}>{html(r.who)}</td>"
        + "".join(f"<td {right}>{_number(getattr(r, m), m)}</td>" for m in TEAM_MEASURES) + "</tr>"
        for r in d.team.itertuples(index=False)) or (
        f'<tr><td {left} colspan="{len(TEAM_MEASURES) + 1}">{html(_t(d, "digest.no_rows"))}</td></tr>')
    bucket = _t(d, f"period.{BUCKET[d.period]}")
    link = html(d.link).replace('"', "&quot;")
    return f"""<!DOCTYPE html>
<html lang="{d.lang}"><head><meta charset="utf-8"><title>{html(subject(d))}</title></head>
<body style="font-family:sans-serif;color:#222">
<p>{html(_t(d, "digest.greeting", name=d.name))}</p>
<p>{html(_t(d, "digest.intro", start=d.start, end=d.end, start_prev=d.previous[0], end_prev=d.previous[1]))}</p>
<h2>{html(_t(d, "digest.overview"))}</h2>
<table style="border-collapse:collapse"><tr>{head}</tr>{summary}</table>
<h3>{html(_t(d, "digest.chart", bucket=bucket))}</h3>
<img src="cid:{chart_cid}" alt="{html(_t(d, "digest.chart_alt"))}" width="560" height="220">
<h2>{html(_t(d, "digest.team"))}</h2>
<table style="border-collapse:collapse"><tr>{team_head}</tr>{team_rows}</table>
<p><a href="{link}">{html(_t(d, "digest.open_app"))}</a></p>
</body></html>
"""


def subject(d: Digest) -> str:
    return _t(d, "digest.subject", period=_t(d, f"digest.period.{d.period}"), start=d.start, end=d.end)


def message(d: Digest, sender: str | None = None) -> EmailMessage:
    """The e-mail: multipart/alternative (text, then multipart/related HTML + the inline PNG chart)."""
    if not d.email:
        raise UserError(f"employee {d.employee_id} ({d.name}) has no e-mail address in the employees table; "
                        "add one (import a team list with an email column) and try again")
    msg = EmailMessage()
    msg["Subject"] = subject(d)
    msg["To"] = d.email
    if sender:
        msg["From"] = sender
    msg.set_content(render_text(d))
    cid = make_msgid(domain="crm-insight.local")
    msg.add_alternative(render_html(d, cid[1:-1]), subtype="html")
    msg.get_payload()[1].add_related(chart_png(d), maintype="image", subtype="png", cid=cid,
                                     filename="chart.png", disposition="inline")
    return msg


# -- sending -----------------------------------------------------------------------------------------------------
def _on(value: str | None, default: bool) -> bool:
    if value is None or not value.strip():
        return default
    v = value.strip().lower()
    if v in ("1", "yes", "on", "true"):
        return True
    if v in ("0", "no", "off", "false"):
        return False
    raise UserError(f"CRM_SMTP_STARTTLS must be on or off (1/0, yes/no, true/false), not {value!r}")


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    user: str | None
    password: str | None
    sender: str
    starttls: bool


SECRETS_ENV = "CRM_SECRETS"
SECRETS_FILE = Path(__file__).resolve().parent.parent / ".streamlit" / "secrets.toml"


def secrets_smtp(path: str | os.PathLike | None = None) -> dict[str, str]:
    """The [smtp] section of the secrets file as CRM_SMTP_* settings ({} without a file or section)."""
    path = Path(path or os.environ.get(SECRETS_ENV) or SECRETS_FILE)
    if not path.is_file():
        return {}
    try:
        section = tomllib.loads(path.read_text(encoding="utf-8")).get("smtp") or {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise UserError(f"cannot read the mail settings in {path}: {e}")
    return {f"CRM_SMTP_{key.upper()}": str(value) for key, value in section.items()
            if key in ("host", "port", "user", "password", "from", "starttls")}


def smtp_settings(env=None) -> SmtpSettings:
    """The SMTP settings from the environment, else the secrets (see the module); UserError naming what is
    missing."""
    env = {**secrets_smtp(), **{k: v for k, v in os.environ.items() if k.startswith("CRM_SMTP_")}} \
        if env is None else env
    host = (env.get("CRM_SMTP_HOST") or "").strip()
    if not host:
        raise UserError("no mail server is configured: set CRM_SMTP_HOST (and CRM_SMTP_PORT, CRM_SMTP_USER, "
                        "CRM_SMTP_PASSWORD, CRM_SMTP_FROM, CRM_SMTP_STARTTLS as needed), or use --dry-run")
    port_text = (env.get("CRM_SMTP_PORT") or "587").strip()
    try:
        port = int(port_text)
    except ValueError:
        raise UserError(f"CRM_SMTP_PORT must be a port number such as 587, not {port_text!r}")
    user = (env.get("CRM_SMTP_USER") or "").strip() or None
    sender = (env.get("CRM_SMTP_FROM") or "").strip() or user
    if not sender:
        raise UserError("no sender address: set CRM_SMTP_FROM (or CRM_SMTP_USER), e.g. crm@example.com")
    return SmtpSettings(host, port, user, env.get("CRM_SMTP_PASSWORD") or None, sender,
                        _on(env.get("CRM_SMTP_STARTTLS"), True))


def send(msg: EmailMessage, settings: SmtpSettings) -> None:
    """Send ``msg`` over SMTP; every way that fails is one sentence (UserError)."""
    if "From" not in msg:
        msg["From"] = settings.sender
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=30) as smtp:
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.user:
                smtp.login(settings.user, settings.password or "")
            smtp.send_message(msg)
    except smtplib.SMTPAuthenticationError:
        raise UserError(f"the mail server {settings.host} refused the login of {settings.user}; check "
                        "CRM_SMTP_USER and CRM_SMTP_PASSWORD")
    except smtplib.SMTPNotSupportedError:
        raise UserError(f"the mail server {settings.host}:{settings.port} does not offer STARTTLS or login; "
                        "set CRM_SMTP_STARTTLS=off or leave CRM_SMTP_USER empty if it needs neither")
    except smtplib.SMTPRecipientsRefused:
        raise UserError(f"the mail server {settings.host} refused the recipient {msg['To']}")
    except smtplib.SMTPException as e:
        raise UserError(f"the mail server {settings.host}:{settings.port} did not take the message: {e}")
    except (OSError, ssl.SSLError) as e:
        raise UserError(f"cannot reach the mail server {settings.host}:{settings.port} "
                        f"({getattr(e, 'strerror', None) or e}); check CRM_SMTP_HOST and CRM_SMTP_PORT")

"""The e-mailed digest (python -m crm_core digest): sent through a local SMTP server (aiosmtpd on 127.0.0.1),
read back, and checked against independent SQL over the recipient's own records."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
import io
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2026-11-26"  # a Thursday: the last complete week is 2026-11-16 .. 2026-11-22, November 2026 is not complete
WEEK = (dt.date(2026, 11, 16), dt.date(2026, 11, 22))
HOSTILE = '<script>alert("x")</script> & <b>Rep</b>'
HOSTILE_DEPT = "<img src=x onerror=alert(1)> Team"
# The small demo company: E0014 manages D110 with its sub-departments D111 (E0001), D112 (E0002), D113 (E0003);
# E0012 is an admin. In our copy E0001 becomes a rep with a hostile name, E0005 loses their e-mail.
REP, OTHER, MANAGER, ADMIN, NO_MAIL = "E0001", "E0002", "E0014", "E0012", "E0005"


@pytest.fixture
def db(demo_path, tmp_path) -> Path:
    path = tmp_path / "digest.duckdb"
    shutil.copyfile(demo_path, path)
    con = duckdb.connect(str(path))
    con.execute("UPDATE employees SET role = 'rep', name = ? WHERE employee_id = ?", [HOSTILE, REP])
    con.execute("UPDATE employees SET email = NULL WHERE employee_id = ?", [NO_MAIL])
    con.execute("UPDATE departments SET name = ? WHERE department_id = 'D110'", [HOSTILE_DEPT])
    con.close()
    return path


@pytest.fixture
def smtp():
    """A local SMTP server; yields (port, the list of received (envelope recipients, message bytes))."""
    from aiosmtpd.controller import Controller

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append((list(envelope.rcpt_tos), envelope.original_content or envelope.content))
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    yield port, received
    controller.stop()


def cli(db: Path, *args, port: int | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_SMTP_")}
    if port is not None:
        env |= {"CRM_SMTP_HOST": "127.0.0.1", "CRM_SMTP_PORT": str(port), "CRM_SMTP_STARTTLS": "off",
                "CRM_SMTP_FROM": "crm@example.com"}
    return subprocess.run([sys.executable, "-m", "crm_core", "digest", "--db", str(db), "--as-of", AS_OF, *args],
                          cwd=ROOT, env=env, capture_output=True, timeout=120)


def send(db, smtp, *args):
    port, received = smtp
    before = len(received)
    done = cli(db, *args, port=port)
    assert done.returncode == 0, done.stderr.decode()
    assert len(received) == before + 1
    rcpt, raw = received[-1]
    return rcpt, email.message_from_bytes(raw, policy=email.policy.default)


def parts(msg):
    html = msg.get_body(("html",)).get_content().replace("\r\n", "\n")
    text = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")
    return text, html


def new_customers_sql(db: Path, owners: list[str], start: dt.date, end: dt.date) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM customers WHERE owner_id IN (SELECT unnest(?)) AND created_at >= ? "
                           "AND created_at < ?", [owners, start, end + dt.timedelta(days=1)]).fetchone()[0]
    finally:
        con.close()


def employee_name(db: Path, employee_id: str) -> str:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT name FROM employees WHERE employee_id = ?", [employee_id]).fetchone()[0]
    finally:
        con.close()


def summary_number(text: str, label: str) -> int:
    found = re.search(rf"^  {re.escape(label)}: (-?[\d,]+) ", text, re.M)
    assert found, text
    return int(found.group(1).replace(",", ""))


def test_the_mail_settings_can_come_from_the_secrets_file(db, smtp, tmp_path):
    """No CRM_SMTP_* variable: the [smtp] section of the secrets file ($CRM_SECRETS) is used."""
    port, received = smtp
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f'db_url = "ignored here"\n[smtp]\nhost = "127.0.0.1"\nport = {port}\nstarttls = false\n'
                       f'from = "digest@example.com"\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_SMTP_")} | {"CRM_SECRETS": str(secrets)}
    before = len(received)
    done = subprocess.run([sys.executable, "-m", "crm_core", "digest", "--db", str(db), "--as-of", AS_OF,
                           "--to", REP], cwd=ROOT, env=env, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    assert len(received) == before + 1
    msg = email.message_from_bytes(received[-1][1], policy=email.policy.default)
    assert msg["From"] == "digest@example.com"


def test_a_reps_digest_holds_only_their_numbers(db, smtp):
    rcpt, msg = send(db, smtp, "--to", REP, "--lang", "en")
    assert rcpt == ["e0001@demo-crm.cn"] and msg["To"] == "e0001@demo-crm.cn" and msg["From"] == "crm@example.com"
    assert msg.get_content_type() == "multipart/alternative"
    assert "2026-11-16 to 2026-11-22" in msg["Subject"]
    text, html = parts(msg)

    mine = new_customers_sql(db, [REP], *WEEK)
    everyone = new_customers_sql(db, [f"E{i:04d}" for i in range(1, 18)], *WEEK)
    assert mine != everyone  # the check below can tell the rep's scope from the company's
    assert summary_number(text, "New customers") == mine
    previous = new_customers_sql(db, [REP], dt.date(2026, 11, 9), dt.date(2026, 11, 15))
    assert re.search(rf"^  New customers: {mine} \(Before {previous}, ", text, re.M), text
    # the Team section: the rep's own row only
    team = text.split("\nTeam\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert len(team) == 1 and team[0].startswith(f"  {HOSTILE}: New customers {mine},"), team
    other = employee_name(db, OTHER)
    assert other not in text and other not in html
    assert f"<td style=\"padding:4px 10px;border-bottom:1px solid #ddd;text-align:right\">{mine}</td>" in html


def test_the_html_escapes_names_from_the_data(db, smtp):
    _, msg = send(db, smtp, "--to", REP, "--lang", "en")
    _, html = parts(msg)
    assert "<script>" not in html and "<b>Rep</b>" not in html
    assert "&lt;script&gt;alert(\"x\")&lt;/script&gt; &amp; &lt;b&gt;Rep&lt;/b&gt;" in html
    _, msg = send(db, smtp, "--to", ADMIN, "--lang", "en")  # an admin's Team rows are departments
    _, html = parts(msg)
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt; Team" in html


def test_the_chart_is_an_inline_png_referenced_by_cid(db, smtp):
    from PIL import Image

    _, msg = send(db, smtp, "--to", REP)
    _, html = parts(msg)
    images = [p for p in msg.walk() if p.get_content_type() == "image/png"]
    assert len(images) == 1
    png = images[0]
    cid = png["Content-ID"].strip("<>")
    assert f'src="cid:{cid}"' in html
    assert png.get_content_disposition() == "inline"
    image = Image.open(io.BytesIO(png.get_content()))
    image.verify()
    assert image.format == "PNG" and image.size == (560, 220)
    related = [p for p in msg.walk() if p.get_content_type() == "multipart/related"]
    assert len(related) == 1  # the HTML and its image travel together


def test_the_link_opens_the_same_range(db, smtp):
    _, msg = send(db, smtp, "--to", REP, "--lang", "en", "--app-url", "https://crm.example.com/app/")
    text, html = parts(msg)
    link = "https://crm.example.com/app/?lang=en&range=custom&start=2026-11-16&end=2026-11-22&period=day"
    assert link in text
    assert f'href="{link.replace("&", "&amp;")}"' in html
    _, msg = send(db, smtp, "--to", REP, "--period", "month")
    text, _ = parts(msg)
    assert "start=2026-10-01&end=2026-10-31&period=week" in text and "lang=zh" in text


def test_a_managers_digest_holds_their_departments_employees_only(db, smtp):
    _, msg = send(db, smtp, "--to", MANAGER, "--lang", "en")
    text, html = parts(msg)
    team = text.split("\nTeam\n", 1)[1].split("\n\n", 1)[0].splitlines()
    names = {line.split(": New customers", 1)[0].strip() for line in team}
    ours = {employee_name(db, e) for e in (MANAGER, REP, OTHER, "E0003")}
    assert names == ours
    outsider = employee_name(db, "E0004")  # D121, another tree
    assert outsider not in text and outsider not in html
    owners = [MANAGER, REP, OTHER, "E0003"]
    assert summary_number(text, "New customers") == new_customers_sql(db, owners, *WEEK)


def test_no_email_is_one_sentence_and_exit_2(db, smtp):
    port, received = smtp
    done = cli(db, "--to", NO_MAIL, port=port)
    assert done.returncode == 2 and not received
    err = done.stderr.decode().strip()
    assert err.startswith("error: employee E0005") and "no e-mail address" in err and "\n" not in err
    assert "Traceback" not in err


def test_other_errors_are_one_sentence(db, smtp):
    done = cli(db, "--to", REP)  # no CRM_SMTP_HOST
    assert done.returncode == 2 and "CRM_SMTP_HOST" in done.stderr.decode() and done.stderr.decode().count("\n") == 1
    done = cli(db, "--to", "E9999", "--dry-run")
    assert done.returncode == 2 and "unknown employee E9999" in done.stderr.decode()
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    done = cli(db, "--to", REP, port=closed)
    assert done.returncode == 2 and "cannot reach the mail server" in done.stderr.decode()


def test_dry_run_writes_the_eml_and_sends_nothing(db, smtp, tmp_path):
    port, received = smtp
    done = cli(db, "--to", REP, "--dry-run", port=port)
    assert done.returncode == 0 and not received
    msg = email.message_from_bytes(done.stdout, policy=email.policy.default)
    assert msg["To"] == "e0001@demo-crm.cn" and msg.get_body(("html",)) is not None
    out = tmp_path / "digest.eml"
    done = cli(db, "--to", REP, "--dry-run", "--output", str(out))
    assert done.returncode == 0 and done.stdout == b"" and not received
    saved = email.message_from_bytes(out.read_bytes(), policy=email.policy.default)
    assert saved["To"] == "e0001@demo-crm.cn" and saved["Subject"] == msg["Subject"]


def test_login_and_starttls_settings(db, tmp_path):
    """CRM_SMTP_USER / CRM_SMTP_PASSWORD log in; STARTTLS on (the default) against a server without it is one
    sentence."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append(session.authenticated)
            return "250 OK"

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"crm" and auth_data.password == b"s3cret"
        return AuthResult(success=ok)

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port, authenticator=authenticator,
                            auth_require_tls=False)
    controller.start()
    try:
        base = {k: v for k, v in os.environ.items() if not k.startswith("CRM_SMTP_")} | {
            "CRM_SMTP_HOST": "127.0.0.1", "CRM_SMTP_PORT": str(port), "CRM_SMTP_USER": "crm",
            "CRM_SMTP_FROM": "crm@example.com"}

        def run(**env):
            return subprocess.run([sys.executable, "-m", "crm_core", "digest", "--db", str(db), "--as-of", AS_OF,
                                   "--to", REP], cwd=ROOT, env=base | env, capture_output=True, timeout=120)

        done = run(CRM_SMTP_PASSWORD="s3cret", CRM_SMTP_STARTTLS="off")
        assert done.returncode == 0, done.stderr.decode()
        assert received == [True]
        done = run(CRM_SMTP_PASSWORD="s3cret")  # STARTTLS is on by default
        assert done.returncode == 2 and "STARTTLS" in done.stderr.decode()
        assert done.stderr.decode().count("\n") == 1 and received == [True]
    finally:
        controller.stop()


def test_the_charts_legend_speaks_the_recipients_language(demo_store, monkeypatch):
    """With a CJK font installed (make test installs Debian's fonts-noto-cjk) the Chinese legend is drawn in
    Chinese, so its pixels differ from the English one's; without one it falls back to the English words."""
    from crm_core import digest

    d = digest.compute(demo_store.backend(), REP, "week", dt.date.fromisoformat(AS_OF))
    zh_png = digest.chart_png(dataclasses.replace(d, lang="zh"))
    en_png = digest.chart_png(dataclasses.replace(d, lang="en"))
    assert any(Path(p).is_file() for p in digest.CJK_FONTS)
    assert zh_png != en_png
    monkeypatch.setattr(digest, "CJK_FONTS", ())
    assert digest.chart_png(dataclasses.replace(d, lang="zh")) == digest.chart_png(dataclasses.replace(d, lang="en"))

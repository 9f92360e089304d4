"""Who is signed in: the users file of a self-hosted install, and the mapping of a person to an employee.

Two ways in (README, "Sign-in"), decided by the app (ui/state.current_viewer), never by this module:

- an OpenID Connect provider (Streamlit's st.login, configured in .streamlit/secrets.toml): the person's
  e-mail is looked up in employees.email (trimmed, any case);
- a users file (TOML; ``$CRM_USERS``, else data/users.toml when it exists): a login name, the employee it
  signs in as and an Argon2id hash of the password (argon2-cffi; no password is ever stored or printed)::

      [users."wang.wei"]
      employee_id = "E0003"
      password_hash = "$argon2id$v=19$m=65536,t=3,p=4$..."

Either way the person gets their employee's role and scope (scope.viewer_for). A person who maps to no
employee, to several, or to one marked inactive gets a ``SignInRefused`` naming why, and sees nothing.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .errors import UserError
from .scope import Viewer, find_employees, viewer_for

USERS_ENV = "CRM_USERS"
DEFAULT_USERS = Path(__file__).resolve().parent.parent / "data" / "users.toml"
MIN_PASSWORD = 8
MAX_NAME = 64

_HASHER = PasswordHasher()  # Argon2id with argon2-cffi's defaults (RFC 9106's low-memory profile)


class UsersFileError(UserError):
    """The users file cannot be read: missing although named, not TOML, or an entry without its fields."""


class SignInRefused(UserError):
    """A signed-in person who may not see anything; ``code`` names why (a text key), ``values`` fill it."""

    def __init__(self, code: str, message: str, **values):
        super().__init__(message)
        self.code, self.values = code, values


@dataclass(frozen=True)
class User:
    name: str
    employee_id: str
    password_hash: str


# -- where the users file is -----------------------------------------------------------------------
def users_path() -> Path | None:
    """The users file in force: ``$CRM_USERS`` when set (set but empty: none), else data/users.toml when it
    exists. None: no users file, so (without an OpenID Connect provider) no sign-in. A path named by
    ``$CRM_USERS`` counts even when the file is missing: the app then refuses everyone rather than let
    them in as admins."""
    named = os.environ.get(USERS_ENV)
    if named is not None:
        return Path(named).expanduser() if named.strip() else None
    return DEFAULT_USERS if DEFAULT_USERS.exists() else None


def cli_users_path(given: str | None) -> Path:
    """The users file the command line writes: --users, else ``$CRM_USERS``, else data/users.toml."""
    return Path(given or os.environ.get(USERS_ENV) or DEFAULT_USERS).expanduser()


# -- names and passwords ---------------------------------------------------------------------------
def login_name(name: str) -> str:
    """A login name as stored and compared: without surrounding spaces, in lower case (NFKC)."""
    return unicodedata.normalize("NFKC", str(name)).strip().lower()


def check_login_name(name: str) -> str:
    """The stored form of ``name``; UserError when it is empty, too long or holds control characters."""
    key = login_name(name)
    if not key:
        raise UserError("a login name must not be empty")
    if len(key) > MAX_NAME:
        raise UserError(f"a login name has at most {MAX_NAME} characters")
    if any(unicodedata.category(c).startswith("C") for c in key):
        raise UserError("a login name must not hold control characters")
    return key


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"a password needs at least {MIN_PASSWORD} characters")
    return _HASHER.hash(password)


_DUMMY: list[str] = []

# Wrong passwords: after MAX_FAILURES for one login name within LOCK_SECONDS, that name is refused (even with
# the right password) until LOCK_SECONDS have passed since the first of them. Kept by the app process.
MAX_FAILURES = 5
LOCK_SECONDS = 15 * 60
_FAILURES: dict[str, list[float]] = {}
_FAILURES_LOCK = threading.Lock()


def locked_for(name: str) -> int:
    """Seconds until the login name ``name`` may try again (0: it may now)."""
    now = time.monotonic()
    with _FAILURES_LOCK:
        recent = [t for t in _FAILURES.get(login_name(name), []) if now - t < LOCK_SECONDS]
        _FAILURES[login_name(name)] = recent
        return int(LOCK_SECONDS - (now - recent[0])) + 1 if len(recent) >= MAX_FAILURES else 0


def check_password(users: dict[str, User], name: str, password: str) -> User | None:
    """The user whose name and password these are, else None (also while the name is locked: locked_for).
    An unknown name costs the same hashing as a wrong password, so the answer's timing does not tell which of
    the two was wrong; either counts as a failure of that name."""
    if locked_for(name):
        return None
    user = users.get(login_name(name))
    if user is None:
        if not _DUMMY:
            _DUMMY.append(_HASHER.hash("not anyone's password"))
        _verify(_DUMMY[0], password)
        ok = False
    else:
        ok = _verify(user.password_hash, password)
    with _FAILURES_LOCK:
        if ok:
            _FAILURES.pop(login_name(name), None)
        else:
            _FAILURES.setdefault(login_name(name), []).append(time.monotonic())
    return user if ok else None


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# -- the users file --------------------------------------------------------------------------------
_CACHE: dict[str, tuple[tuple, dict[str, User]]] = {}


def load_users(path: Path) -> dict[str, User]:
    """The users of the file at ``path`` by login name; read again only when the file changes."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise UsersFileError(f"the users file {path} does not exist; create it with "
                             f"`python -m crm_core user add NAME --employee ID --users {path}`")
    except OSError as e:
        raise UsersFileError(f"cannot read the users file {path}: {e.strerror or e}")
    stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
    cached = _CACHE.get(str(path))
    if cached and cached[0] == stamp:
        return cached[1]
    users = _parse(path)
    _CACHE[str(path)] = (stamp, users)
    return users


def _parse(path: Path) -> dict[str, User]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise UsersFileError(f"cannot read the users file {path}: {e.strerror or e}")
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise UsersFileError(f"the users file {path} is not valid TOML: {e}")
    table = data.get("users", {})
    if not isinstance(table, dict):
        raise UsersFileError(f"the users file {path}: [users] must be a table of users")
    users = {}
    for name, entry in table.items():
        fields = entry if isinstance(entry, dict) else {}
        employee, digest = fields.get("employee_id"), fields.get("password_hash")
        if not isinstance(employee, str) or not employee.strip() or not isinstance(digest, str) or not digest:
            raise UsersFileError(f"the users file {path}: user {name!r} needs employee_id and password_hash "
                                 "(set them with `python -m crm_core user add`)")
        key = login_name(name)
        users[key] = User(key, employee.strip(), digest)
    return users


def _read_for_update(path: Path) -> dict[str, User]:
    return _parse(path) if path.exists() else {}


def _write(path: Path, users: dict[str, User]) -> None:
    """The users file anew, atomically (a reader never sees half a file), readable by its owner only."""
    lines = ["# CRM Insight users: login name -> employee and Argon2id password hash.",
             "# Written by `python -m crm_core user add NAME --employee ID`; never put a password here.", ""]
    for name in sorted(users):
        user = users[name]
        lines += [f"[users.{_toml_string(name)}]", f"employee_id = {_toml_string(user.employee_id)}",
                  f"password_hash = {_toml_string(user.password_hash)}", ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".users-", suffix=".toml", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write("\n".join(lines))
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _toml_string(text: str) -> str:
    """``text`` as a TOML basic string: JSON's escapes are TOML's, but TOML escapes DEL too (and takes no
    surrogate pairs, hence no ensure_ascii)."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def set_user(path: Path, name: str, employee_id: str, password: str) -> bool:
    """Create or update the user ``name`` (its employee and password); True when it is new."""
    key = check_login_name(name)
    users = _read_for_update(path)
    created = key not in users
    users[key] = User(key, str(employee_id).strip(), hash_password(password))
    _write(path, users)
    return created


def remove_user(path: Path, name: str) -> None:
    key = login_name(name)
    users = _read_for_update(path)
    if key not in users:
        raise UserError(f"no user {key!r} in {path}")
    del users[key]
    _write(path, users)


# -- a person -> the employee they see as ------------------------------------------------------------
def viewer_for_employee(backend, employee_id: str) -> Viewer:
    """The Viewer of a users-file user's employee; SignInRefused when it no longer exists or is inactive."""
    found = find_employees(backend, employee_id=employee_id)
    if found.empty:
        raise SignInRefused("unknown_employee", f"employee {employee_id} is not in the database",
                            employee=employee_id)
    return _active_viewer(backend, found.iloc[0])


def viewer_for_email(backend, email: str | None, verified: bool | None = None) -> Viewer:
    """The Viewer of the employee whose e-mail an identity provider vouched for; SignInRefused when none or
    several employees have it, or it is inactive, or the provider says the address is not verified."""
    email = (email or "").strip()
    if not email:
        raise SignInRefused("no_email", "the identity provider gave no e-mail address")
    if verified is False:
        raise SignInRefused("unverified_email", f"the e-mail address {email} is not verified", email=email)
    found = find_employees(backend, email=email)
    if found.empty:
        raise SignInRefused("unknown_email", f"no employee has the e-mail address {email}", email=email)
    if len(found) > 1:
        ids = ", ".join(found["employee_id"])
        raise SignInRefused("shared_email", f"several employees have the e-mail address {email}: {ids}",
                            email=email, employees=ids)
    return _active_viewer(backend, found.iloc[0])


def _active_viewer(backend, row) -> Viewer:
    if not row["active"]:
        raise SignInRefused("inactive", f"employee {row['employee_id']} is marked inactive",
                            employee=row["employee_id"], name=row["name"])
    return viewer_for(backend, row["employee_id"])

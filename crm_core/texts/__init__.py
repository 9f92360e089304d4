"""The one table of texts, Chinese and English. Each module here holds TEXTS = {key: {"zh": .., "en": ..}}
for one area (common, growth, importing, ...); they are merged here, and a key may be defined only once."""

from __future__ import annotations

import importlib
import pkgutil

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"

TEXTS: dict[str, dict[str, str]] = {}
for _mod in pkgutil.iter_modules(__path__):
    _texts = importlib.import_module(f"{__name__}.{_mod.name}").TEXTS
    _clash = TEXTS.keys() & _texts.keys()
    if _clash:
        raise RuntimeError(f"text keys defined twice: {sorted(_clash)}")
    TEXTS.update(_texts)


def text(key: str, lang: str, **values) -> str:
    """The text for ``key`` in ``lang`` with {placeholders} filled; the key itself if unknown."""
    entry = TEXTS.get(key)
    if entry is None:
        return key
    s = entry.get(lang) or entry[DEFAULT_LANGUAGE]
    return s.format(**values) if values else s


def has_text(key: str) -> bool:
    return key in TEXTS

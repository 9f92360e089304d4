"""Text from data is never live: the one place that makes it literal wherever it meets markup.

``md`` for anything Streamlit renders as Markdown (headings, captions, st.markdown, info boxes, labels):
every Markdown and Streamlit-directive character is backslash-escaped (links, emphasis, code, LaTeX `$`,
colour and icon directives `:red[..]`, `:material/..:`), and line breaks become spaces. ``html`` for
anything rendered as HTML: plotly labels, legends and hovers, and e-mail bodies.
"""

from __future__ import annotations

import html as _html
import re

_MD = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$=^&'\"%])")
# Streamlit's directives (:red[..], :material/..:, :smile:) and GFM's autolinks (https://.., www.., a@b.c)
# are found in the text after Markdown's escapes are undone, so a backslash cannot stop them: a zero-width
# space after the colon, "www" and "@" breaks them without changing what a reader sees.
_AUTO = re.compile(r"(:|(?i:www)|@)")


def md(text) -> str:
    """``text`` shown literally in Markdown."""
    return _AUTO.sub("\\1\u200b", _MD.sub(r"\\\1", " ".join(str(text).splitlines())))


def html(text) -> str:
    """``text`` shown literally between HTML tags (and in plotly's HTML-like labels, which know &lt; &gt;
    &amp; but not &quot;). Not for attribute values."""
    return _html.escape(str(text), quote=False)

"""CRM Insight: the entry point. Page config, the sign-in, the navigation, and the shared sidebar (in each page)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import streamlit as st  # noqa: E402

from ui.i18n import t  # noqa: E402
from ui.state import current_viewer, get_store, may_enter  # noqa: E402

st.set_page_config(page_title="CRM Insight", page_icon="📈", layout="wide")
get_store()  # builds the demo company on first start when there is no data at all

pages = {
    t("nav.group.reports"): [
        st.Page("app_pages/overview.py", title=t("page.overview"), icon=":material/dashboard:", default=True),
        st.Page("app_pages/growth.py", title=t("page.growth"), icon=":material/trending_up:", url_path="growth"),
        st.Page("app_pages/funnel.py", title=t("sales.page.funnel"), icon=":material/filter_alt:", url_path="funnel"),
        st.Page("app_pages/segments.py", title=t("sales.page.segments"), icon=":material/pie_chart:",
                url_path="segments"),
        st.Page("app_pages/team.py", title=t("team.page"), icon=":material/leaderboard:", url_path="team"),
        st.Page("app_pages/health.py", title=t("health.page"), icon=":material/favorite:", url_path="health"),
        st.Page("app_pages/warning.py", title=t("warning.page"), icon=":material/notifications_active:",
                url_path="warning"),
        st.Page("app_pages/distributions.py", title=t("stats.page.distributions"), icon=":material/donut_large:",
                url_path="distribution"),
        st.Page("app_pages/owners.py", title=t("stats.page.owners"), icon=":material/groups:", url_path="owners"),
        st.Page("app_pages/regions.py", title=t("map.page"), icon=":material/map:", url_path="regions"),
        st.Page("app_pages/pool.py", title=t("pool.page"), icon=":material/recycling:", url_path="pool"),
    ],
    t("nav.group.data"): [
        st.Page("app_pages/import_data.py", title=t("page.import"), icon=":material/upload_file:", url_path="import"),
    ],
}
# Until someone is signed in (where sign-in is configured) the pages stay hidden and current_viewer draws the
# sign-in instead; the URL keeps the page asked for, which opens once they are in.
page = st.navigation(pages, position="sidebar" if may_enter() else "hidden")
current_viewer()
page.run()

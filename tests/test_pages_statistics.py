"""The statistics pages under Streamlit's AppTest, each on a copy of the demo company ($CRM_DB)."""

import json

import duckdb
import pytest
from conftest import DEMO_END, ROOT

RANGE_2026 = dict(range="custom", start="2026-01-01", end=str(DEMO_END))


def run(page: str, **query):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app_pages" / page), default_timeout=120)
    for key, value in {**RANGE_2026, **query}.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def numbers(df, col: int = 1) -> list[int]:
    return [int(v) for v in df.iloc[:, col]]


def list_count(at, which: int = -1) -> int:
    """The count a customer list states in its caption ("共 1,234 个客户"); the last list by default."""
    caption = [c.value for c in at.caption if c.value.startswith("共 ")][which]
    return int(caption.split()[1].replace(",", ""))


def sql(db, query):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


def test_distributions_page_filters_switches_and_drills_down(app_db, demo_path):
    at = run("distributions.py")
    assert at.title[0].value == "客户分布"
    assert len(at.get("plotly_chart")) == 1 and at.get("download_button")
    table = at.dataframe[0].value
    created = sql(demo_path, f"SELECT count(*) FROM customers WHERE created_at >= '2026-01-01' "
                          f"AND created_at < DATE '{DEMO_END}' + 1")[0][0]
    assert sum(numbers(table)) == created
    at.sidebar.multiselect(key="f_departments").set_value(["D120"]).run()
    smaller = at.dataframe[0].value
    assert not at.exception and 0 < sum(numbers(smaller)) < created
    # Drill-down by the picker (a bar click sets the same picker): the list holds the bar's customers.
    value, n = smaller.iloc[0, 0], int(smaller.iloc[0, 1])
    at.selectbox(key="dist_pick_category").set_value(value).run()
    assert not at.exception and list_count(at) == n and len(at.dataframe[-1].value) == n
    at.button_group(key="dist_dim").set_value("tag").run()
    assert at.dataframe[0].value.columns[0] == "标签"
    at.button_group(key="dist_dim").set_value("field").run()
    assert not at.exception and at.selectbox(key="dist_field").value in {"客户级别", "合作意向", "年采购预算", "决策人职位"}
    at.button_group(key="dist_view").set_value("share").run()
    assert not at.exception and len(at.get("plotly_chart")) == 1


def test_owners_page_filters_and_drills_down(app_db, demo_path):
    at = run("owners.py")
    assert at.title[0].value == "负责人客户跟进情况"
    table = at.dataframe[0].value
    owned = sql(demo_path, "SELECT count(*) FROM customers WHERE owner_id IS NOT NULL")[0][0]
    assert sum(numbers(table)) == owned  # the range narrows the follow-ups, not the customers
    contacted_before = sum(numbers(table, 2))
    at.sidebar.selectbox(key="f_range").set_value("this_month").run()
    assert not at.exception and sum(numbers(at.dataframe[0].value, 2)) < contacted_before
    at.sidebar.multiselect(key="f_departments").set_value(["D130"]).run()
    table = at.dataframe[0].value
    assert 0 < sum(numbers(table)) < owned and len(at.dataframe[1].value) >= 1  # the department roll-up
    # The picker lists the owners in the table's order (largest first): its first owner is the first row.
    at.selectbox(key="owners_pick").select_index(1)
    at.button_group(key="owners_status").set_value("not_contacted").run()
    assert not at.exception and at.selectbox(key="owners_pick").value is not None
    assert list_count_or_zero(at) == int(table.iloc[0, 3])


def list_count_or_zero(at) -> int:
    return 0 if any(i.value == "没有符合条件的客户。" for i in at.info) else list_count(at)


def test_regions_map_highlights_exactly_the_five_largest(app_db, demo_path):
    from crm_core import boundaries
    from ui.maps import ORANGE

    at = run("regions.py")
    assert at.title[0].value == "客户地区分布"
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    layers = {layer["id"]: layer for layer in spec["layers"]}
    top5 = [f["properties"]["region"] for f in layers["top5"]["data"]["features"]]
    largest = [r for r, _ in sql(demo_path, f"""
        SELECT region, count(*) AS n FROM customers
        WHERE created_at >= '2026-01-01' AND created_at < DATE '{DEMO_END}' + 1 AND region IS NOT NULL
        GROUP BY region ORDER BY n DESC, region LIMIT 5""")]
    assert top5 == largest
    # Every shipped province / state is outlined; the top five are filled in the highlight colour, no other.
    regions = layers["regions"]["data"]["features"]
    outlined = {f["properties"]["region"] for f in regions if f["geometry"]["type"] in ("Polygon", "MultiPolygon")}
    assert outlined >= {f["properties"]["name"] for f in boundaries.regions()}
    assert {f["properties"]["region"] for f in regions if f["properties"]["fill"] == ORANGE} == set(largest)
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in layers["top5"]["data"]["features"])
    assert spec["mapProvider"] == "carto" and "mapboxApiAccessToken" not in json.dumps(spec)
    assert len(layers["top5-labels"]["data"]) == 5
    ranking = at.dataframe[0].value
    assert ranking.iloc[:5, 1].tolist() == largest and ranking.iloc[:, 3].sum() == 5
    at.sidebar.multiselect(key="f_departments").set_value(["D160"]).run()  # the overseas team
    spec2 = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    assert not at.exception and spec2 != spec
    region, n = at.dataframe[0].value.iloc[0, 1], int(at.dataframe[0].value.iloc[0, 2])
    at.selectbox(key="region_pick").set_value(region).run()
    assert not at.exception and list_count(at) == n


def test_regions_page_renders_with_no_internet(app_db, monkeypatch):
    """Nothing the map draws is fetched: no connection leaves the machine while the page runs, and every layer
    carries its data inline (the outlines ship in data/boundaries/)."""
    import socket

    real_connect = socket.socket.connect
    tried = []

    def local_only(sock, address):
        host = address[0] if isinstance(address, tuple) else str(address)
        if sock.family in (socket.AF_INET, socket.AF_INET6) and host not in ("127.0.0.1", "::1", "localhost"):
            tried.append(address)
            raise OSError("network is unreachable (test)")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", local_only)
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: (_ for _ in ()).throw(OSError("no DNS (test)")))
    at = run("regions.py")
    assert not tried
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    layers = {layer["id"]: layer for layer in spec["layers"]}
    assert set(layers) == {"land", "regions", "top5-glow", "top5", "top5-leaders", "top5-labels"}
    assert all(not isinstance(layer["data"], str) for layer in spec["layers"])  # no URL to load
    assert len(layers["land"]["data"]["features"][0]["geometry"]["coordinates"]) > 50
    assert len(json.dumps(spec)) < 600_000  # compact JSON: the outlines are not re-sent as megabytes


def test_pool_page_risk_claims_hygiene(app_db, demo_path):
    at = run("pool.py")
    assert at.title[0].value == "公海客户与跟进健康度"
    at.date_input(key="pool_as_of").set_value(DEMO_END).run()
    risk = int(at.metric[0].value.replace(",", ""))
    at.number_input(key="pool_window").set_value(7).run()
    week = int(at.metric[0].value.replace(",", ""))
    assert not at.exception and week > risk > 0
    assert list_count(at) == week == len(at.dataframe[0].value)  # the at-risk customers of all owners
    at.number_input(key="pool_rule_days").set_value(10).run()
    assert not at.exception and int(at.metric[0].value.replace(",", "")) != week

    at.button_group(key="pool_section").set_value("hygiene").run()
    hygiene_all = at.dataframe[0].value
    assert not at.exception and len(at.get("plotly_chart")) == 0 and hygiene_all.iloc[:, 1].sum() > 0
    at.sidebar.multiselect(key="f_departments").set_value(["D120"]).run()
    hygiene = at.dataframe[0].value
    assert not at.exception and len(hygiene) < len(hygiene_all)
    at.selectbox(key="pool_hygiene_band").set_value("no_contact_30").run()
    assert not at.exception and at.main.subheader[-1].value.startswith("客户名单：30 天以上未跟进")
    assert list_count(at) == int(hygiene.iloc[:, 4].sum())

    at.button_group(key="pool_section").set_value("claims").run()
    assert not at.exception and len(at.get("plotly_chart")) == 1 and len(at.dataframe[0].value) > 0


@pytest.mark.parametrize("page, title", [("distributions.py", "Customer distribution"), ("regions.py", "Customers by region")])
def test_pages_speak_english(app_db, page, title):
    at = run(page, lang="en")
    assert at.title[0].value == title

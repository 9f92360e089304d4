"""What the store keeps for the deal funnel: every stage history row of every deal with its time in the stage.

The deal funnel needs, for the deals created in the range, how long each stayed in each stage (until it
entered its next recorded stage: a window over each deal's history, ordered by time and the stages' order)
and the furthest stage each entered. At 10M customers the window over 25M history rows was most of the
report. This table holds the window's result once, per history row of a loaded deal:

- deal_id, stage, entered_at; the deal's owner_id and created_at (for the Scope's narrowing and the range);
- days: crm_core.metrics.sales.stage_spans' days (NULL on the deal's last row);
- furthest: the index of the furthest stage the deal entered (NULL when none of its stages is a known one);
- first_row: true on exactly one row of each deal (its first), for counting deals.

The stages' order comes from the settings, so it is rebuilt inside the transaction of any write that changes
deals, their history or the settings, when a fingerprint of them (kept in settings) says they changed
(crm_core.kept). Scope.deal_spans hands it out narrowed like the deals.
"""

from __future__ import annotations

from .kept import Kept, table
from .schema import STAGES_SETTING


def _stages(cur) -> list[str]:
    from .metrics.sales import stages_from

    found = cur.execute("SELECT value FROM settings WHERE key = ?", [STAGES_SETTING]).fetchall()
    return stages_from(found[0][0] if found else None)


def _build(cur) -> str | None:
    """The table's rows, compiled from the deal funnel's own definition (sales.stage_spans), so the two cannot
    drift apart; None (keep nothing) when the settings name no stage."""
    import ibis

    from .metrics.sales import _stage_index, stage_spans

    stages = _stages(cur)
    if not stages:
        return None
    d = table(cur, "deals")
    h = table(cur, "deal_stage_history")
    h = h.join(d.select("deal_id", "owner_id", "created_at"), "deal_id")
    whole, w = ibis.window(group_by=h.deal_id), ibis.window(group_by=h.deal_id, order_by=[h.entered_at, h.stage])
    h = h.mutate(furthest=_stage_index(h.stage, stages).max().over(whole), first_row=ibis.row_number().over(w) == 0)
    s = stage_spans(h, stages)
    return ibis.to_sql(s.order_by(s.created_at, s.deal_id), dialect="duckdb")


KEPT = Kept(
    table="deal_spans",
    sources=("deals", "deal_stage_history", "settings"),
    # the deals' owners and creation, their history, the stages' order
    digest=f"""SELECT
        (SELECT count(*) || ':' || coalesce(sum(hash(deal_id, owner_id, created_at)), 0) FROM deals),
        (SELECT count(*) || ':' || coalesce(sum(hash(deal_id, stage, entered_at)), 0) FROM deal_stage_history),
        (SELECT coalesce(max(value), '') FROM settings WHERE key = '{STAGES_SETTING}')""",
    build=_build,
    version=1,
)
TABLE = KEPT.table

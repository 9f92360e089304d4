"""Import data: upload CRM exports, review the detected table and column mapping, see problems, import.

Thin: reading, mapping, checking and loading are crm_core.importing (the same code as the CLI). For admins only.
"""


import pandas as pd
import streamlit as st

from crm_core.markup import md
from crm_core.texts import has_text

from crm_core.importing import (FIELDS, ImportFailed, can_skip, detect_table, field_options, load, load_order,
                                mapping_from_rows, mapping_notes, mapping_rows, problems_frame, propose_mapping,
                                read_files, review_together, sample_files, save_mapping, saved_mapping)
from ui.downloads import download_buttons
from ui.i18n import fmt_int, lang, t
from crm_core.demo import clear_demo, holds_demo
from ui.state import get_store, language_switch, require_admin

language_switch()
require_admin()
st.title(t("import.title"))
st.caption(t("import.intro"))
if holds_demo(get_store()):
    st.info(t("import.demo_loaded"))
    if st.button(t("import.clear_demo"), key="import_clear_demo"):
        clear_demo(get_store())  # a write: the data version changes, and every cached report with it
        st.rerun()
with st.expander(t("import.samples")):
    st.caption(t("import.samples_help"))
    for sample in sample_files():
        st.download_button(sample.name, sample.read_bytes(), file_name=sample.name, key=f"sample_{sample.name}")
uploads = st.file_uploader(t("import.upload"), type=["csv", "txt", "tsv", "xlsx", "xlsm", "xls"],
                           accept_multiple_files=True, key="import_files")
day_first = st.toggle(t("import.day_first"), key="import_day_first")
if not uploads:
    st.info(t("import.none"))
    st.stop()

store = get_store()
cache = st.session_state.setdefault("import_cache", {})



def counted(key: str, n: int, **values) -> str:
    """A text with a count: English says "1 problem" but "2 problems" (key.one holds the singular)."""
    one = f"{key}.one"
    return t(one if n == 1 and t(one) != one else key, count=fmt_int(n), **values)


def message(p) -> str:
    return p.message if lang() == "en" else t(f"import.problem.{p.code}")


def problem_table(problems) -> pd.DataFrame:
    """Problems as the manager reads them (data shown as text, never as HTML); a problem of the whole
    file has no row: its cell stays empty."""
    return pd.DataFrame({t("import.col.file"): [p.file for p in problems],
                         t("import.col.row"): ["" if p.row is None else str(p.row) for p in problems],
                         t("import.col.column"): [p.column or "" for p in problems],
                         t("import.col.value"): [p.value or "" for p in problems],
                         t("import.col.message"): [message(p) for p in problems]})


def show_problems(name: str, problems, total: int) -> None:
    st.error(counted("import.problems", total))
    # Each kind of problem in full (the table's cells are cut), with how many rows have it.
    kinds: dict[tuple, list] = {}
    for p in problems:
        kinds.setdefault((p.column or "", message(p)), []).append(p.row)
    for (column, text), rows in kinds.items():
        where = [str(r) for r in rows if r is not None]
        st.markdown("- " + md((f"{column}: " if column else "") + text)
                    + (md(" — " + counted("import.rows_with", len(where), rows=", ".join(where[:10])
                                             + ("…" if len(where) > 10 else ""))) if where else ""))
    st.dataframe(problem_table(problems), hide_index=True, width="stretch",
                 column_config={t("import.col.message"): st.column_config.TextColumn(width="large"),
                                t("import.col.row"): st.column_config.TextColumn(width="small")})
    download_buttons(problems_frame(problems), f"{name}.problems", f"problems_{name}",
                     labels=(t("import.problems_download"), t("import.problems_download_xlsx")))


# -- read each file once per upload ---------------------------------------------------------------
plans = []
for upload in uploads:
    if upload.file_id not in cache:
        try:
            cache[upload.file_id] = read_files(upload.getvalue(), upload.name)  # a workbook: each sheet with a table
        except ImportFailed as e:
            cache[upload.file_id] = e
    sources = cache[upload.file_id]
    if isinstance(sources, ImportFailed):
        st.subheader(md(upload.name))
        show_problems(upload.name, sources.problems, sources.total)
        continue
    for n, source in enumerate(sources):
        try:
            detected = detect_table(source.headers, source.name)
        except ImportFailed:
            detected = None
        plans.append((f"{upload.file_id}_{n}", source, detected))

order = load_order([d or "customers" for _, _, d in plans])
ready = []
for i in order:
    file_id, source, detected = plans[i]
    st.subheader(md(source.name))
    saved = saved_mapping(source.headers)
    tables = list(FIELDS)
    default = saved.table if saved else (detected or "customers")
    names = [t(f"import.table.{x}") for x in tables]  # labels as options: they render the same in any session
    chosen = st.selectbox(t("import.table"), names, index=tables.index(default), key=f"table_{file_id}_{lang()}")
    table = tables[names.index(chosen)]
    st.caption(t("import.detected", rows=fmt_int(source.rows), encoding=source.encoding or "Excel",
                 table=t(f"import.table.{detected}") if detected else "?"))
    proposed = saved if saved and saved.table == table else propose_mapping(source.headers, table)
    if saved and saved.table == table:
        st.caption(t("import.saved_used"))
    options = field_options(table)
    labels = {key: t(f"import.field.{table}.{key}" if has_text(f"import.field.{table}.{key}") else f"import.field.{key}")
              for key in options}
    rows = mapping_rows(source, proposed)
    rows["field"] = rows["field"].map(labels)
    edited = st.data_editor(
        rows.rename(columns={"column": t("import.col.column"), "sample": t("import.col.sample"),
                             "field": t("import.col.field")}),
        column_config={t("import.col.field"): st.column_config.SelectboxColumn(options=list(labels.values()),
                                                                               required=True)},
        disabled=[t("import.col.column"), t("import.col.sample")], hide_index=True, width="stretch",
        key=f"mapping_{file_id}_{table}")
    by_label = {v: k for k, v in labels.items()}
    mapping = mapping_from_rows(table, pd.DataFrame({"column": source.headers,
                                                     "field": edited[t("import.col.field")].map(by_label)}), day_first)
    for note in source.notes:
        code, _, sheet = note.partition(":")
        st.caption(md(t(f"import.note.{code}", sheet=sheet)))
    for code, values in mapping_notes(source, mapping):
        fields = {k: t(f"import.field.{values[k]}") for k in ("field", "what") if k in values}
        if code == "same_header":
            fields["columns"] = "、".join(f"{c} → {t(f'import.field.{f}')}" for c, f in zip(values["columns"], values["fields"]))
        st.warning(md(t(f"import.note.{code}", **{**values, **fields})))
    if table == "customers" and "created_at" not in mapping.columns.values():
        mapping.created_today = st.checkbox(t("import.created_today"), key=f"today_{file_id}")
    if st.button(t("import.save_mapping"), key=f"save_{file_id}"):
        st.caption(t("import.saved", path=save_mapping(mapping, source.headers).name))
    ready.append((file_id, source, mapping, st.container()))

# -- check them together, in import order: follow-ups may name customers from a file before them ----
check_key = tuple((file_id, mapping.to_json()) for file_id, _, mapping, _ in ready) + (store.data_version(),)
if check_key not in cache:
    cache[check_key] = review_together(store, [(source, mapping) for _, source, mapping, _ in ready])
found = cache[check_key]
for (_, source, _, slot), review in zip(ready, found):
    with slot:
        if review.problems:
            show_problems(source.name, review.problems, review.skipped_total)
        else:
            st.success(t("import.valid", rows=fmt_int(source.rows)))
        changes = review.changes
        if changes.count:  # re-imported ids update the loaded rows: say how many change before it runs
            more = "…" if changes.count > len(changes.examples) else ""
            st.warning(md(counted("import.changes", changes.count, existing=fmt_int(review.updated),
                                     examples=", ".join(changes.examples) + more)))
        elif review.updated:
            st.info(counted("import.unchanged", review.updated))
ready = [(source, mapping, review.problems) for (_, source, mapping, _), review in zip(ready, found)]

# -- import ---------------------------------------------------------------------------------------
any_problems = any(p for _, _, p in ready)
# Skipping bad rows is offered only when it would load something: every file's problems are of single rows.
skippable = any_problems and all(can_skip(p) for _, _, p in ready if p)
left, right = st.columns(2)
run = left.button(t("import.run"), type="primary", disabled=not ready or any_problems, key="import_run")
run_skip = right.button(t("import.run_skip"), disabled=not skippable, key="import_run_skip")
if run or run_skip:
    bar = st.progress(0.0)
    for n, (source, mapping, _) in enumerate(ready):
        def step(fraction, _step, n=n, source=source):
            bar.progress((n + fraction) / len(ready), text=t("import.running", name=md(source.name)))
        try:
            result = load(store, source, mapping, skip_bad_rows=run_skip, progress=step)
        except ImportFailed as e:
            st.error(t("import.failed", name=md(source.name)))
            show_problems(source.name, e.problems, e.total)
            continue
        done = t("import.done", name=md(result.file), loaded=fmt_int(result.rows_loaded),
                 read=fmt_int(result.rows_read), table=t(f"import.table.{result.table}"),
                 inserted=fmt_int(result.inserted), updated=fmt_int(result.updated))
        extra = [counted(key, n) for key, n, own in (("import.new_employees", result.new_employees, "employees"),
                                                      ("import.new_departments", result.new_departments, "departments"))
                 if n and result.table != own]  # a team list's new rows are its new employees: said once
        st.success(done + ("；" if lang() == "zh" else "; ").join([""] + extra))
        if result.skipped:
            st.warning(counted("import.skipped", len({p.row for p in result.skipped})))
        for note in result.notes:
            code, _, sheet = note.partition(":")
            st.info(md(t(f"import.note.{code}", sheet=sheet)))

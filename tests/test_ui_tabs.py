"""The workbench's tabs come from one list: a view added to it is built, titled and drawn
when shown (and again after a change), like the tabs the workbench ships with."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

pytest.importorskip("ipywidgets")
pytest.importorskip("plotly")
pytest.importorskip("anywidget")

import ipywidgets as W

from workbench.session import Session
from workbench.ui import app
from workbench.ui.app import TAB_TITLES, TABS, Tab, Workbench


def _clock() -> dt.datetime:
    return dt.datetime(2026, 5, 4, 9, 30, tzinfo=dt.UTC)


class FindingCount:
    """A small view of the whole register: the number of findings, drawn on refresh."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.widget = W.HTML()
        self.draws = 0

    def refresh(self) -> None:
        self.draws += 1
        self.widget.value = f"{len(self.session.all_rows())} findings"


def test_a_tab_added_to_the_list_is_built_and_drawn_when_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert tuple(t.title for t in TABS) == TAB_TITLES
    extra = Tab("Count", "count", lambda wb: FindingCount(wb.session), lazy=True)
    monkeypatch.setattr(app, "TABS", [*TABS, extra])
    session = Session.start(tmp_path / "p", template="support-assistant", actor="t", clock=_clock)
    wb = Workbench(session)
    view = wb.count  # type: ignore[attr-defined]
    index = len(TABS)
    assert wb.tabs.get_title(index) == "Count" and wb.tabs.children[index] is view.widget
    assert view.draws == 0  # lazy: not drawn until shown
    wb.tabs.selected_index = index
    assert view.draws == 1 and view.widget.value == f"{len(session.all_rows())} findings"
    element = session.model.components()[0].id
    assert session.add_manual_finding(element, "Badge cloning", "badges are copied").ok
    assert view.draws == 2  # shown, so drawn again at once
    assert view.widget.value == f"{len(session.all_rows())} findings"
    wb.tabs.selected_index = 0
    row = session.all_rows()[0]
    assert session.override_score(row["id"], 1, 1, "not reachable").ok
    assert view.draws == 2  # hidden: marked to draw, not drawn
    wb.tabs.selected_index = index
    assert view.draws == 3

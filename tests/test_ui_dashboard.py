"""The participant dashboard's command line: standalone Voila, optionally with preheated kernels."""

from __future__ import annotations

import argparse

from workbench.commands import lab


def test_the_dashboard_can_keep_kernels_that_have_run_it_already() -> None:
    notebook = lab.find_notebooks() / lab.DASHBOARD_NOTEBOOK
    plain = lab.dashboard_command(notebook, port=8866, open_browser=False)
    assert not any("preheat" in part or "pool_size" in part for part in plain)
    warm = lab.dashboard_command(notebook, port=8866, open_browser=False, preheat=3)
    assert "--preheat_kernel=True" in warm and "--pool_size=3" in warm
    assert [p for p in warm if "preheat" not in p and "pool_size" not in p] == plain
    parser = argparse.ArgumentParser()
    lab.register(parser.add_subparsers())
    assert parser.parse_args(["dashboard", "--preheat", "2"]).preheat == 2
    assert parser.parse_args(["dashboard"]).preheat == 0

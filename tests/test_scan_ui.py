"""The scan panel of the model editor: scan, show escaped results, record on a component."""

from __future__ import annotations

import datetime as dt
import json
import struct

from workbench.project import Project
from workbench.session import Session
from workbench.ui import Workbench

OS_SYSTEM = b"\x80\x02cos\nsystem\nX\x04\x00\x00\x00true\x85R."


def clock() -> dt.datetime:
    return dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


def safetensors_bytes() -> bytes:
    raw = json.dumps({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}).encode()
    return struct.pack("<Q", len(raw)) + raw + bytes(8)


def test_scan_tab_records_facts_and_the_register_follows(tmp_path):
    project = Project.create(tmp_path / "p", template="edge-vision", actor="tester", clock=clock)
    wb = Workbench(Session(project, actor="tester"))
    panel = wb.editor.scan
    assert "Scan files" in wb.editor.widget.titles
    assert "detector-model" in panel.component.options
    rules = {r["rule"] for r in wb.session.rows() if r["element"] == "detector-model"}
    assert "unsafe-model-serialization" in rules

    weights = tmp_path / "detector <b>.safetensors"
    weights.write_bytes(safetensors_bytes())
    panel.path.value = str(weights)
    panel.component.value = "detector-model"
    report = panel.scan()
    assert report.files[0].format == "safetensors"
    assert "detector &lt;b&gt;.safetensors" in panel.output.value  # escaped
    assert "<b>.safetensors" not in panel.output.value
    assert panel.record_button.disabled is False
    result = panel.record()
    assert result.ok, result.message
    detector = wb.session.model.component("detector-model")
    assert detector.get("serialization") == "safetensors"
    assert detector.get("scan_verdict") == "safe"
    rules = {r["rule"] for r in wb.session.rows() if r["element"] == "detector-model"}
    assert "unsafe-model-serialization" not in rules


def test_scan_tab_dangerous_file_and_refusals(tmp_path):
    project = Project.create(tmp_path / "p", template="edge-vision", actor="tester", clock=clock)
    wb = Workbench(Session(project, actor="tester"))
    panel = wb.editor.scan
    (tmp_path / "model.pkl").write_bytes(OS_SYSTEM)
    panel.path.value = str(tmp_path / "model.pkl")
    panel.component.value = "detector-model"
    panel.scan()
    assert "os.system" in panel.output.value and "dangerous" in panel.output.value
    assert panel.record().ok
    rules = {r["rule"] for r in wb.session.rows() if r["element"] == "detector-model"}
    assert "malicious-code-in-model-file" in rules
    (tmp_path / "cut.safetensors").write_bytes(safetensors_bytes()[:-4])
    panel.path.value = str(tmp_path / "cut.safetensors")
    panel.scan()
    assert "Refused" in panel.output.value and panel.record_button.disabled
    panel.path.value = ""
    assert panel.scan() is None and "give a file" in panel.message.value

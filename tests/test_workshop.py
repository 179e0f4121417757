"""Workshops: independent ratings merged with median and spread; consensus recorded. Archives."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest

from workbench.archive import pack_project, unpack_project
from workbench.errors import InputError, ProjectError
from workbench.project import Project
from workbench.workshop import (
    load_ratings,
    merge_ratings,
    ratings_path,
    record_consensus,
    save_rating,
)

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def project(tmp_path):
    return Project.create(
        tmp_path / "p", template="support-assistant", actor="facilitator", clock=lambda: NOW
    )


def test_participants_write_their_own_files_and_merge_shows_disagreement(project, tmp_path):
    rows = project.state().rows
    a, b = rows[0]["id"], rows[1]["id"]
    save_rating(project.path, "Ann", a, 2, 3)
    save_rating(project.path, "Ben", a, 5, 5, "seen it happen")
    save_rating(project.path, "Cy", a, 3, 3)
    save_rating(project.path, "Ann", b, 3, 3)
    save_rating(project.path, "Ben", b, 3, 4)
    save_rating(project.path, "Ann", a, 2, 2)  # Ann changes her mind: replaces, not duplicates
    assert sorted(p.name for p in (project.path / "ratings").glob("*.yaml")) == [
        "ann.yaml",
        "ben.yaml",
        "cy.yaml",
    ]
    csv_file = tmp_path / "dee.csv"
    csv_file.write_text(f"finding;likelihood;impact;comment\n{a};4;4;\n{b};;;\n", encoding="utf-8")
    merged = merge_ratings(project, [project.path / "ratings", csv_file])
    assert [m.finding for m in merged] == [a, b]  # most disagreement first
    first = merged[0]
    assert first.participants == ["Ann", "Ben", "Cy", "dee"]
    assert first.median_likelihood == 3.5 and first.spread == 25 - 4
    assert any("seen it happen" in c for c in first.to_dict()["comments"])
    assert merged[1].spread == 3


def test_bad_ratings_name_the_file_and_line(project):
    path = ratings_path(project.path, "Eve")
    path.parent.mkdir(exist_ok=True)
    path.write_text("participant: Eve\nratings:\n  - {finding: x, likelihood: 9, impact: 1}\n")
    with pytest.raises(InputError, match=r"eve.yaml:3: ratings\[0\]: likelihood and impact"):
        load_ratings([path])
    with pytest.raises(InputError):
        save_rating(project.path, "Eve", "x", 0, 1)


def test_consensus_is_recorded_with_the_participants(project):
    fid = project.state().rows[0]["id"]
    record_consensus(
        project, fid, 3, 4, participants=["Ben", "Ann"], reason="agreed after discussion"
    )
    row = project.register().row(fid)
    assert (row["likelihood"], row["impact"]) == (3, 4)
    assert "workshop consensus of Ann, Ben" in row["likelihood_reason"]
    note = project.log.records()[-1]
    assert note["type"] == "note" and "Ann, Ben" in note["text"] and note["by"] == "facilitator"
    with pytest.raises(InputError, match="participants"):
        record_consensus(project, fid, 3, 4, participants=[], reason="x")


def test_archive_round_trip(project, tmp_path):
    fid = project.state().rows[0]["id"]
    project.decide(fid, "accept", "guardrails are enough here", owner="bob", review_by="2027-01-01")
    save_rating(project.path, "Ann", fid, 2, 2)
    data = pack_project(project.path)
    assert data == pack_project(project.path)  # deterministic
    restored = unpack_project(data, tmp_path / "restored")
    again = Project.open(restored)
    assert again.register().row(fid)["status"] == "decided"
    assert (restored / "ratings" / "ann.yaml").exists()
    with pytest.raises(ProjectError, match="not empty"):
        unpack_project(data, restored)


def test_hostile_or_broken_uploads_are_refused(project, tmp_path):
    with pytest.raises(InputError, match="not a ZIP"):
        unpack_project(b"not a zip", tmp_path / "x")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("p/../../evil.yaml", "x")
        zf.writestr("p/project.yaml", "x")
    with pytest.raises(InputError, match="unsafe path"):
        unpack_project(buf.getvalue(), tmp_path / "y")
    data = pack_project(project.path)
    tampered = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(tampered, "w") as dst:
        for info in src.infolist():
            content = src.read(info)
            if info.filename.endswith("project.yaml"):
                content = content.replace(b"records: 0", b"records: 3")
            dst.writestr(info, content)
    target = tmp_path / "z"
    with pytest.raises(InputError, match="decision log"):
        unpack_project(tampered.getvalue(), target)
    assert not target.exists()

"""Workshops: independent ratings merged with median and spread; consensus recorded. Archives."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest

from workbench import workshop
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


# -- claims: one browser per name ------------------------------------------------------------------

def test_a_claimed_name_is_refused_to_another_browser_until_released(project):
    fid = project.state().rows[0]["id"]
    first, second = workshop.new_browser_token(), workshop.new_browser_token()
    claim = workshop.claim_name(project.path, "Ann", first)
    assert claim.path.name == "ann.json" and claim.path.parent.name == "claims"
    assert workshop.claim_name(project.path, "Ann", first) == claim  # the same browser again
    with pytest.raises(workshop.ClaimError, match="taken by another browser"):
        workshop.claim_name(project.path, " ann ", second)
    workshop.rate(project.path, "Ann", fid, 2, 3, token=first)
    before = ratings_path(project.path, "Ann").read_bytes()
    with pytest.raises(workshop.ClaimError, match="not overwritten"):
        workshop.rate(project.path, "Ann", fid, 5, 5, token=second)
    with pytest.raises(workshop.ClaimError):
        save_rating(project.path, "Ann", fid, 5, 5)  # no token: not the claiming browser either
    assert ratings_path(project.path, "Ann").read_bytes() == before
    assert workshop.release_claim(project.path, "Ann") is True
    assert workshop.release_claim(project.path, "Ann") is False
    workshop.claim_name(project.path, "Ann", second)
    assert workshop.rate(project.path, "Ann", fid, 5, 5, token=second).outcome == "changed"


def test_rating_twice_says_unchanged_and_a_change_keeps_the_previous_rating(project):
    fid = project.state().rows[0]["id"]
    token = workshop.new_browser_token()
    assert workshop.rate(project.path, "Ben", fid, 2, 3, token=token).outcome == "created"
    assert workshop.rate(project.path, "Ben", fid, 2, 3, token=token).outcome == "unchanged"
    result = workshop.rate(project.path, "Ben", fid, 4, 3, "saw it in a pentest", token=token)
    assert result.outcome == "changed" and result.previous.likelihood == 2
    assert "was likelihood 2, impact 3" in result.message
    text = ratings_path(project.path, "Ben").read_text(encoding="utf-8")
    assert "previous:" in text
    (rating,) = load_ratings([ratings_path(project.path, "Ben")])
    assert (rating.likelihood, rating.comment) == (4, "saw it in a pentest")


def test_the_facilitator_sees_who_has_rated_what(project):
    rows = project.state().rows
    a, b = rows[0]["id"], rows[1]["id"]
    save_rating(project.path, "Ann", a, 2, 2)
    save_rating(project.path, "Ann", b, 3, 3)
    save_rating(project.path, "Cy", a, 4, 4)
    workshop.claim_name(project.path, "Dee", workshop.new_browser_token())
    progress = {p["participant"]: p for p in workshop.rating_progress(project)}
    assert set(progress) == {"Ann", "Cy", "Dee"}
    assert progress["Ann"]["rated"] == sorted([a, b]) and progress["Ann"]["count"] == 2
    assert progress["Cy"]["rated"] == [a] and b in progress["Cy"]["missing"]
    assert progress["Dee"] == {**progress["Dee"], "count": 0, "claimed": True}
    assert progress["Ann"]["claimed"] is False


_WORKER = """
import sys
from workbench import workshop
project, name, token, findings = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split(",")
try:
    workshop.claim_name(project, name, token)
except workshop.ClaimError:
    print("refused")
    raise SystemExit(0)
for i, fid in enumerate(findings):
    workshop.rate(project, name, fid, 1 + i % 5, 1 + (i * 3) % 5, f"{name} on {fid}", token=token)
print("done")
"""


def test_twelve_concurrent_participants_lose_nothing(project):
    """12 real processes: 10 names, two of them in two tabs (one token), and one intruder."""
    import subprocess
    import sys

    ids = [r["id"] for r in project.state().rows][:12]
    people = [f"participant {n}" for n in range(10)]
    tokens = {p: workshop.new_browser_token() for p in people}
    jobs = []
    for p in people:
        jobs.append((p, tokens[p], ids))
    # a second tab of two participants: same browser token, the other half of the findings first
    for p in people[:2]:
        jobs.append((p, tokens[p], ids[::-1]))
    procs = []
    for p, token, findings in jobs:
        procs.append(subprocess.Popen(
            [sys.executable, "-c", _WORKER, str(project.path), p, token, ",".join(findings)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        ))
    # an intruder asking for a name a browser already holds
    workshop.claim_name(project.path, "participant 9", tokens["participant 9"])
    intruder = subprocess.run(
        [sys.executable, "-c", _WORKER, str(project.path), "participant 9",
         workshop.new_browser_token(), ids[0]],
        capture_output=True, text=True, timeout=300,
    )
    outs = [proc.communicate(timeout=300) for proc in procs]
    assert all(proc.returncode == 0 for proc in procs), outs
    assert intruder.stdout.strip() == "refused"
    ratings = load_ratings([project.path / "ratings"])
    got = {(r.participant, r.finding) for r in ratings}
    assert got == {(p, f) for p in people for f in ids}
    assert len(ratings) == len(people) * len(ids)  # one file each, no duplicates, nothing lost
    progress = workshop.rating_progress(project)
    assert all(p["count"] == len(ids) and p["claimed"] for p in progress)

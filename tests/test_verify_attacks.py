"""`workbench verify` against someone who can write the project folder.

Each attack is done as an attacker would do it: with the files, recomputing
hashes, signatures and the head in project.yaml where that helps them. Each test
states what verify says about it: a refusal (exit 1, line named), or an honest
verdict (exit 0, the records reported unsigned or not signed by a known key).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from workbench.cli import main
from workbench.project import Project
from workbench.risk.anchors import read_anchor
from workbench.risk.signing import SIGNED_PREFIX, SigningKey, generate_key, use_key

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
CRITICAL = "public-facing-application@chat-frontend"
HIGH = "agent-config-credentials@assistant"
OTHER = "llm-rendered-output@chat-frontend"


def clock():
    return NOW


# --------------------------------------------------------------------------- helpers


def decide(project, fid, n):
    return project.decide(
        fid, "accept", f"Accepted for the pilot phase, review number {n} of this risk.",
        owner="Bob", review_by="2027-06-01",
    )


def canonical(record: dict) -> bytes:
    return json.dumps(record, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def records(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_bytes().splitlines()]


def rechain(recs: list[dict], *, sign_with: Ed25519PrivateKey | None = None,
            strip: bool = False) -> bytes:
    """Renumber and rehash every record (and re-sign or strip signatures): a careful forger."""
    out, prev = [], "0" * 64
    for seq, rec in enumerate(recs, start=1):
        rec = dict(rec, seq=seq, prev=prev)
        if strip or sign_with is not None:
            rec.pop("sig", None)
        if sign_with is not None:
            raw = sign_with.public_key().public_bytes_raw()
            value = sign_with.sign(SIGNED_PREFIX + canonical(rec))
            rec["sig"] = {"alg": "ed25519", "key": base64.b64encode(raw).decode(),
                          "value": base64.b64encode(value).decode()}
        line = canonical(rec)
        out.append(line)
        prev = hashlib.sha256(line).hexdigest()
    return b"".join(line + b"\n" for line in out)


def set_project_head(folder: Path, data: bytes) -> None:
    """Update the head and count in project.yaml to fit *data*, as the attacker would."""
    lines = data.splitlines()
    head = hashlib.sha256(lines[-1]).hexdigest() if lines else "0" * 64
    text = (folder / "project.yaml").read_text(encoding="utf-8")
    text = re.sub(r"head: [0-9a-f]{64}", f"head: {head}", text)
    text = re.sub(r"records: \d+", f"records: {len(lines)}", text)
    (folder / "project.yaml").write_text(text, encoding="utf-8")


def forge(project, change, *, head: bool = True, **how) -> Path:
    """Apply *change* to the records, re-chain them (see :func:`rechain`), fix the head."""
    log = project.path / "decisions.jsonl"
    recs = records(log)
    change(recs)
    log.write_bytes(rechain(recs, **how))
    if head:
        set_project_head(project.path, log.read_bytes())
    return log


def run(capsys, *argv) -> tuple[int, str]:
    code = main(["verify", *map(str, argv)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def run_json(capsys, *argv) -> tuple[int, dict]:
    code = main(["verify", *map(str, argv), "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


@pytest.fixture
def project(tmp_path):
    p = Project.create(tmp_path / "p", template="support-assistant", actor="Alice", clock=clock)
    for n, fid in enumerate((CRITICAL, HIGH, OTHER), start=1):
        decide(p, fid, n)
    return p


@pytest.fixture
def alice_key(tmp_path) -> SigningKey:
    (tmp_path / "keys").mkdir()
    return generate_key(tmp_path / "keys" / "alice", comment="alice")


@pytest.fixture
def signed(tmp_path, alice_key):
    """A project whose decisions Alice signed, with her key in signers.yaml."""
    p = Project.create(tmp_path / "s", template="support-assistant", actor="Alice", clock=clock)
    assert main(["keys", "add", "Alice", f"{alice_key.path}.pub", "--project", str(p.path)]) == 0
    use_key(alice_key)
    try:
        for n, fid in enumerate((CRITICAL, HIGH, OTHER), start=1):
            decide(p, fid, n)
    finally:
        use_key(None)
    return p


def log_of(project) -> Path:
    return project.path / "decisions.jsonl"


# --------------------------------------------------------------------------- unsigned logs


def test_a_clean_unsigned_log_passes_and_says_it_is_unsigned(project, capsys):
    code, out = run(capsys, project.path)
    assert code == 0
    assert "ok, 3 records" in out and "extends the head recorded in project.yaml" in out
    assert "signatures: none (3 unsigned record(s))" in out
    code, data = run_json(capsys, project.path)
    assert [r["status"] for r in data["record_signatures"]] == ["unsigned"] * 3
    assert data["anchored"] is True
    head = hashlib.sha256(log_of(project).read_bytes().splitlines()[-1]).hexdigest()
    # the keys verify always printed stay as they were
    assert {k: data[k] for k in ("ok", "records", "head", "problem", "first_bad_line")} == {
        "ok": True, "records": 3, "head": head, "problem": None, "first_bad_line": None}


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        (lambda b: b.replace(b"review number 2", b"review number 9"), "line 3"),  # edited
        (lambda b: b"\n".join(b.split(b"\n")[:1] + b.split(b"\n")[2:]), "line 2"),  # deleted
        (lambda b: b"\n".join([b.split(b"\n")[1], b.split(b"\n")[0], *b.split(b"\n")[2:]]),
         "line 1"),  # reordered
        (lambda b: b.replace(b"\n", b"\r\n"), "CR LF"),
        (lambda b: b.replace(b'{"by"', b'{ "by"', 1), "canonical"),
        (lambda b: b + b"\x00", "partial last line"),
        (lambda b: b"\n".join(b.split(b"\n")[:2]) + b"\n", "truncated"),
    ],
    ids=["edited", "deleted", "reordered", "crlf", "non-canonical", "nul-tail", "truncated"],
)
def test_edits_the_chain_sees_are_refused_with_the_line(project, capsys, tamper, expected):
    log = log_of(project)
    log.write_bytes(tamper(log.read_bytes()))
    code, out = run(capsys, project.path)
    assert code == 1 and "FAILED" in out
    assert expected in out


def test_a_forged_record_appended_with_a_correct_hash_is_reported_unsigned(project, capsys):
    log = log_of(project)
    recs = records(log)
    forged = dict(recs[-1], id="D-0004", findings=[HIGH], supersedes="D-0002",
                  rationale="Risk fully mitigated by the vendor, nothing left to do here.")
    log.write_bytes(rechain([*recs, forged]))
    code, out = run(capsys, project.path)
    # the chain is intact and the log only grew: nothing local can refuse it ...
    assert code == 0
    # ... so verify says plainly that no key vouches for it
    assert "line 4 (seq 4) D-0004 by Alice: unsigned" not in out  # all unsigned: one line
    assert "signatures: none (4 unsigned record(s))" in out
    code, data = run_json(capsys, project.path)
    assert data["record_signatures"][-1]["status"] == "unsigned"
    # and a gate that needs signatures refuses it
    assert main(["verify", str(project.path), "--require-signed"]) == 1


def test_a_record_of_an_unknown_type_is_refused(project, capsys):
    extra = {"type": "waiver", "by": "Mallory", "recorded_at": "2026-11-25T12:00:00+00:00",
             "findings": [CRITICAL]}
    forge(project, lambda recs: recs.append(extra))
    code, out = run(capsys, project.path)
    assert code == 1
    assert "line 4 (seq 4): unknown record type 'waiver'" in out
    reopened = Project.open(project.path, clock=clock)
    assert any("unknown record type" in n for n in reopened.notices)


def test_a_field_added_with_the_chain_recomputed_is_refused(project, capsys):
    forge(project, lambda recs: recs[0].update(approved_by="CISO"))
    code, out = run(capsys, project.path)
    assert code == 1
    assert "line 1 (seq 1): decision record: unknown field(s) approved_by" in out


def test_a_whole_chain_recomputed_with_the_head_updated_passes_as_unsigned(project, capsys):
    """What an unkeyed chain cannot show: verify passes it, and says why it cannot tell."""
    log = forge(project, lambda recs: recs[0].update(
        rationale="Nobody ever decided this; the record was rewritten afterwards."), head=False)
    code, _out = run(capsys, project.path)
    assert code == 1  # the head in project.yaml still catches a careless forger
    set_project_head(project.path, log.read_bytes())
    code, out = run(capsys, project.path)
    assert code == 0
    assert "signatures: none (3 unsigned record(s))" in out
    assert "no record is signed by a known key" in out


def test_verify_on_the_file_alone_says_nothing_anchors_it(project, tmp_path, capsys):
    log = log_of(project)
    recs = records(log)
    recs[1]["owner"] = "Nobody"
    alone = tmp_path / "elsewhere" / "decisions.jsonl"
    alone.parent.mkdir()
    alone.write_bytes(rechain(recs))
    code, out = run(capsys, alone)
    assert code == 0
    assert "note: nothing anchors this log" in out
    code, data = run_json(capsys, alone)
    assert data["anchored"] is False and data["project_head"] is None
    # the same file inside its project folder is checked against the project's head
    log.write_bytes(alone.read_bytes())
    code, out = run(capsys, log)
    assert code == 1 and "expected head" in out


# --------------------------------------------------------------------------- signed logs


def test_a_clean_signed_log_names_who_signed_each_record(signed, capsys):
    code, out = run(capsys, signed.path, "--require-signed")
    assert code == 0
    assert "3 signed by a known key (Alice 3)" in out
    code, data = run_json(capsys, signed.path)
    assert [(r["decision_id"], r["label"]) for r in data["record_signatures"]] == [
        ("D-0001", "signed by Alice"), ("D-0002", "signed by Alice"), ("D-0003", "signed by Alice"),
    ]


def test_signed_log_a_forged_unsigned_record_is_not_signed_by_a_known_key(signed, capsys):
    log = log_of(signed)
    recs = records(log)
    forged = {k: v for k, v in recs[-1].items() if k != "sig"}
    forged.update(id="D-0004", supersedes="D-0001", findings=[CRITICAL])
    data = log.read_bytes()
    prev = hashlib.sha256(data.splitlines()[-1]).hexdigest()
    log.write_bytes(data + canonical(dict(forged, seq=4, prev=prev)) + b"\n")
    code, out = run(capsys, signed.path)
    assert code == 0  # the log grew, the chain holds: reported, not refused
    assert ("line 4 (seq 4) D-0004 by Alice: unsigned (Alice has a key in this project, "
            "but this record is not signed with it)") in out
    assert main(["verify", str(signed.path), "--require-signed"]) == 1
    capsys.readouterr()
    assert main(["check", str(signed.path), "--require-signed", "--fail-on", "critical",
                 "--format", "json"]) == 1
    gate = json.loads(capsys.readouterr().out)
    assert {r["decision"] for r in gate["unsigned"]} == {"D-0004"}


def test_signed_log_an_edit_with_the_chain_recomputed_breaks_the_signatures(signed, capsys):
    forge(signed, lambda recs: recs[1].update(owner="Nobody"))  # signatures kept as they were
    code, out = run(capsys, signed.path)
    assert code == 1
    assert "line 2 (seq 2): the signature does not match the record" in out


def test_signed_log_a_signature_moved_to_another_record_does_not_match(signed, capsys):
    forge(signed, lambda recs: recs[2].update(sig=recs[0]["sig"]))
    code, out = run(capsys, signed.path)
    assert code == 1 and "line 3 (seq 3): the signature does not match" in out


def test_signed_log_rechained_and_re_signed_with_the_attackers_key(signed, tmp_path, capsys):
    mallory = Ed25519PrivateKey.generate()
    forge(signed, lambda recs: recs[0].update(treatment="not_applicable"), sign_with=mallory)
    code, data = run_json(capsys, signed.path)
    assert code == 0
    assert {r["status"] for r in data["record_signatures"]} == {"unknown_key"}
    assert data["signatures"] == {"known_key": 0, "unknown_key": 3, "unsigned": 0,
                                  "bad_signature": 0}
    assert main(["verify", str(signed.path), "--require-signed"]) == 1
    capsys.readouterr()
    # Mallory also lists her key under Alice's name: only a list kept elsewhere tells
    trusted = tmp_path / "trusted-signers.yaml"
    shutil.copy(signed.path / "signers.yaml", trusted)
    pub = SigningKey(mallory).openssh("mallory")
    (signed.path / "signers.yaml").write_text(
        "signers:\n  - name: Alice\n    key: " + pub + "\n", encoding="utf-8")
    assert run_json(capsys, signed.path)[1]["record_signatures"][0]["status"] == "known_key"
    code, data = run_json(capsys, signed.path, "--keys", trusted, "--require-signed")
    assert code == 1 and data["record_signatures"][0]["status"] == "unknown_key"


def test_signed_log_stripped_of_its_signatures_is_all_unsigned(signed, capsys):
    forge(signed, lambda recs: None, strip=True)
    code, data = run_json(capsys, signed.path, "--require-signed")
    assert code == 1 and {r["status"] for r in data["record_signatures"]} == {"unsigned"}


# --------------------------------------------------------------------------- anchored heads


def _head(log: Path) -> tuple[str, int]:
    lines = log.read_bytes().splitlines()
    return hashlib.sha256(lines[-1]).hexdigest(), len(lines)


def test_an_anchored_head_exposes_a_rewritten_history(project, tmp_path, capsys):
    log = log_of(project)
    head, count = _head(log)
    report = tmp_path / "report.html"
    report.write_text(
        "<!doctype html><html><head><meta charset=utf-8>"
        f'<meta name="workbench-log-head" content="sha256:{head}">'
        f'<meta name="workbench-log-records" content="{count}"></head>'
        f"<body><p>Decision log: {count} records, head <code>sha256:{head}</code></p></body></html>",
        encoding="utf-8",
    )
    assert run(capsys, project.path, "--against", report)[0] == 0
    decide(project, "supplier-data-exposure@llm", 4)  # the log grows: still extends the head
    code, out = run(capsys, project.path, "--against", report, "--against", f"sha256:{head}")
    assert code == 0 and "extends that head" in out
    forge(project, lambda recs: recs[0].update(
        rationale="Rewritten after the report went to the risk owner."))
    assert run(capsys, project.path)[0] == 0  # the local head was rewritten as well
    for anchor in (report, f"{head}@{count}"):
        code, out = run(capsys, project.path, "--against", anchor)
        assert code == 1, anchor
        assert f"line {count} (seq {count}): its hash is not the expected head" in out
    code, out = run(capsys, project.path, "--against", f"sha256:{head}")  # no count given
    assert code == 1 and f"expected head {head[:16]}... is not the hash of any record" in out


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("r.html", '<meta content="sha256:{h}" name="workbench-log-head">'
                   '<meta name="workbench-log-records" content="{n}">'),
        ("r.html", '<meta name="workbench-log-head" content="sha256:{h} records={n}">'),
        ("r.html", "<p>Decision log verified: {n} records,<br> head <code>sha256:{h}</code></p>"),
        ("r.md", "- Decision log: {n} records, head `sha256:{h}`\n"),
        ("r.json", '{{"system": "x", "decision_log": {{"head": "{h}", "records": {n}}}}}'),
    ],
    ids=["meta", "meta-one-tag", "visible-html", "markdown", "json"],
)
def test_heads_are_read_from_reports_and_exports(tmp_path, name, text):
    head = hashlib.sha256(b"x").hexdigest()
    path = tmp_path / name
    path.write_text(text.format(h=head, n=7), encoding="utf-8")
    anchor = read_anchor(str(path))
    assert (anchor.head, anchor.records) == (head, 7)


def test_a_report_without_a_full_head_is_a_clear_error(project, tmp_path, capsys):
    report = tmp_path / "old.html"
    report.write_text("<p>decision log 3 records, head <code>0123456789abcdef</code></p>")
    code, out = run(capsys, project.path, "--against", report)
    assert code == 2
    assert "no decision-log head found" in out and "only 16 hex digits" in out
    code, out = run(capsys, project.path, "--against", "sha256:1234")
    assert code == 2 and "neither a head" in out


# --------------------------------------------------------------------------- git


def git(folder: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Alice", "GIT_AUTHOR_EMAIL": "alice@example.org",
           "GIT_COMMITTER_NAME": "Alice", "GIT_COMMITTER_EMAIL": "alice@example.org",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    done = subprocess.run(["git", *args], cwd=folder, env=env, capture_output=True, text=True,
                          check=True, timeout=60)
    return done.stdout


@pytest.fixture
def repo(project):
    if shutil.which("git") is None and os.environ.get("CI") != "true":
        pytest.skip("git is not installed")
    git(project.path, "init", "-q", "-b", "main")
    git(project.path, "add", "-A")
    git(project.path, "commit", "-q", "-m", "first decisions")
    decide(project, "supplier-data-exposure@llm", 4)
    git(project.path, "commit", "-q", "-am", "one more decision")
    return project


def test_git_history_that_only_grows_passes(repo, capsys):
    decide(repo, "llm-cost-harvesting@llm", 5)  # not committed yet: still an extension
    code, out = run(capsys, repo.path, "--git")
    assert code == 0
    assert "git: 2 committed version(s), each extends the one before" in out


def test_git_catches_a_rewritten_committed_record(repo, capsys):
    forge(repo, lambda recs: recs[1].update(rationale="Changed after it was committed."))
    assert run(capsys, repo.path)[0] == 0  # locally consistent
    code, out = run(capsys, repo.path, "--git")
    assert code == 1 and "the working tree changes line 2 of the log committed in" in out
    git(repo.path, "commit", "-q", "-am", "tidy the log")
    rewrite = git(repo.path, "rev-parse", "HEAD").strip()
    code, data = run_json(capsys, repo.path, "--git")
    assert code == 1 and data["git"]["commit"] == rewrite
    assert "changes line 2 of the log committed in" in data["git"]["problem"]
    code, out = run(capsys, repo.path / "decisions.jsonl", "--git")
    assert code == 1 and f"commit {rewrite[:12]} changes line 2" in out


def test_git_catches_committed_records_deleted(repo, capsys):
    log = log_of(repo)
    log.write_bytes(b"".join(line + b"\n" for line in log.read_bytes().splitlines()[:2]))
    set_project_head(repo.path, log.read_bytes())
    git(repo.path, "commit", "-q", "-am", "drop two")
    code, out = run(capsys, repo.path, "--git")
    assert code == 1 and "deletes records from line 3 on" in out


def test_git_outside_a_checkout_is_an_input_error(project, capsys):
    if shutil.which("git") is None and os.environ.get("CI") != "true":
        pytest.skip("git is not installed")
    code, out = run(capsys, project.path, "--git")
    assert code == 2 and "not in a git checkout" in out


def test_git_a_log_never_committed_and_a_log_deleted_in_a_commit(project, capsys):
    if shutil.which("git") is None and os.environ.get("CI") != "true":
        pytest.skip("git is not installed")
    git(project.path, "init", "-q", "-b", "main")
    git(project.path, "add", "project.yaml")
    git(project.path, "commit", "-q", "-m", "settings only")
    code, out = run(capsys, project.path, "--git")
    assert code == 0 and "the log has no committed version yet" in out
    git(project.path, "add", "decisions.jsonl")
    git(project.path, "commit", "-q", "-m", "the log")
    git(project.path, "rm", "-q", "decisions.jsonl")
    git(project.path, "commit", "-q", "-m", "no more log")
    gone = git(project.path, "rev-parse", "HEAD").strip()
    log_of(project).write_bytes(b"")
    code, out = run(capsys, project.path, "--git")
    assert code == 1 and f"commit {gone[:12]} deletes the log" in out


@pytest.mark.parametrize("fmt", ["html", "markdown"])
def test_the_workbench_report_anchors_the_log_it_was_made_from(project, tmp_path, capsys, fmt):
    from workbench.export.report import write_report

    report = write_report(project, tmp_path / f"report.{'md' if fmt == 'markdown' else fmt}", fmt,
                          generated_at="2026-05-01T10:00:00Z")
    anchor = read_anchor(str(report))
    head, count = _head(log_of(project))
    assert (anchor.head, anchor.records) == (head, count)
    assert run(capsys, project.path, "--against", report)[0] == 0
    forge(project, lambda recs: recs[0].update(
        rationale="Rewritten after the report went to the risk owner."))
    code, out = run(capsys, project.path, "--against", report)
    assert code == 1 and "its hash is not the expected head" in out

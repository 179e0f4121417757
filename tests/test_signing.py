"""Signing keys, the project's signers and signed decision records."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import stat
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.archive import pack_project, unpack_project
from workbench.cli import main
from workbench.errors import InputError
from workbench.project import Project
from workbench.risk.decisions import DecisionLog, DecisionLogError, verify
from workbench.risk.signing import (
    KEY_ENV,
    Keyring,
    SigningKeyError,
    decision_signatures,
    generate_key,
    load_keyring,
    load_signing_key,
    parse_public_key,
    record_signatures,
    signing_with,
    unsigned_at_gate,
    use_key,
)

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
T0 = "2026-11-25T12:00:00+00:00"
CRITICAL = "public-facing-application@chat-frontend"
HIGH = "agent-config-credentials@assistant"
MEDIUM = "llm-cost-harvesting@llm"
POSIX = sys.platform != "win32"


def clock():
    return NOW


@pytest.fixture(autouse=True)
def no_process_key(monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)
    use_key(None)
    yield
    use_key(None)


@pytest.fixture
def keys(tmp_path) -> Path:
    folder = tmp_path / "keys"
    folder.mkdir()
    return folder


@pytest.fixture
def alice(keys):
    return generate_key(keys / "alice", comment="alice@laptop")


@pytest.fixture
def bob(keys):
    return generate_key(keys / "bob")


@pytest.fixture
def project(tmp_path):
    return Project.create(tmp_path / "p", template="support-assistant", actor="Alice", clock=clock)


def accept(project, fid, n=1, **kw):
    return project.decide(
        fid, "accept", f"Accepted for the pilot phase, review number {n} of this risk.",
        owner="Bob", review_by="2027-06-01", **kw,
    )


def note(log, text="a note", key=None):
    if key is not None:
        log.signer = key
    return log.append_note(text, by="Alice", recorded_at=T0)


# --------------------------------------------------------------------------- keys


def test_generate_writes_a_private_key_only_its_owner_reads_and_a_public_key(alice, keys):
    private, public = keys / "alice", keys / "alice.pub"
    assert private.read_bytes().startswith(b"-----BEGIN OPENSSH PRIVATE KEY-----")
    if POSIX:
        assert stat.S_IMODE(private.stat().st_mode) == 0o600
    line = public.read_text().strip()
    assert line.startswith("ssh-ed25519 AAAA") and line.endswith(" alice@laptop")
    raw, comment = parse_public_key(line)
    assert raw == alice.public_key and comment == "alice@laptop"
    assert load_signing_key(private).public_key == alice.public_key
    # the fingerprint is the one ssh-keygen -l prints: SHA256 of the key blob, base64
    assert alice.fingerprint.startswith("SHA256:") and len(alice.fingerprint) == 50


def test_generate_never_overwrites_a_key(alice, keys):
    before = (keys / "alice").read_bytes()
    with pytest.raises(SigningKeyError, match="exists already"):
        generate_key(keys / "alice")
    assert (keys / "alice").read_bytes() == before
    (keys / "carol.pub").write_text("not mine")
    with pytest.raises(SigningKeyError, match=r"carol\.pub: exists already"):
        generate_key(keys / "carol")
    assert not (keys / "carol").exists()


def test_keys_stay_outside_projects(project, alice):
    with pytest.raises(SigningKeyError, match="inside the project folder"):
        generate_key(project.path / "my.key")
    assert not (project.path / "my.key").exists()
    inside = project.path / "alice.key"
    inside.write_bytes(alice.path.read_bytes())
    inside.chmod(0o600)
    with pytest.raises(SigningKeyError, match="inside the project folder"):
        load_signing_key(inside)


@pytest.mark.skipif(not POSIX, reason="file modes are POSIX")
def test_a_private_key_others_may_read_is_refused(alice):
    alice.path.chmod(0o644)
    with pytest.raises(SigningKeyError, match="chmod 600"):
        load_signing_key(alice.path)


def test_other_key_files_are_refused_with_what_is_expected(keys):
    ecdsa = ec.generate_private_key(ec.SECP256R1())
    pem = keys / "ecdsa.pem"
    pem.write_bytes(ecdsa.private_bytes(serialization.Encoding.PEM,
                                        serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption()))
    locked = keys / "locked.pem"
    locked.write_bytes(Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"secret")))
    garbage = keys / "garbage"
    garbage.write_text("hello")
    plain = keys / "plain.pem"
    plain.write_bytes(Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    for path in (pem, locked, garbage, plain):
        path.chmod(0o600)
    with pytest.raises(SigningKeyError, match="Ed25519 keys only"):
        load_signing_key(pem)
    with pytest.raises(SigningKeyError, match="passphrase"):
        load_signing_key(locked)
    with pytest.raises(SigningKeyError, match="not a private key"):
        load_signing_key(garbage)
    with pytest.raises(SigningKeyError, match=r"no such key file.*keys generate"):
        load_signing_key(keys / "missing")
    assert load_signing_key(plain).fingerprint.startswith("SHA256:")  # PKCS#8 PEM works


@pytest.mark.parametrize("text", ["", "ssh-ed25519", "ssh-ed25519 AAAAnotbase64!", "ssh-rsa AAAAB3NzaC1yc2E"])
def test_bad_public_keys_say_what_is_expected(text):
    with pytest.raises(SigningKeyError, match="expected an Ed25519 public key"):
        parse_public_key(text)


# --------------------------------------------------------------------------- signers


def test_keys_add_list_remove(project, alice, bob, capsys):
    where = ["--project", str(project.path)]
    assert main(["keys", "list", *where]) == 0
    assert "no signers" in capsys.readouterr().out
    assert main(["keys", "add", "Alice", f"{alice.path}.pub", *where]) == 0
    assert main(["keys", "add", "Alice", *alice.openssh("second").split(), *where]) == 0
    assert "unchanged" in capsys.readouterr().out.splitlines()[-1]
    assert main(["keys", "add", "Bob", bob.openssh(), *where]) == 0
    assert main(["keys", "add", "Mallory", bob.openssh(), *where]) == 2
    assert "listed already for 'Bob'" in capsys.readouterr().err
    assert main(["keys", "list", *where, "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)["signers"]
    assert [(s["name"], s["fingerprint"]) for s in listed] == [
        ("Alice", alice.fingerprint), ("Bob", bob.fingerprint)]
    text = (project.path / "signers.yaml").read_text()
    assert text.startswith("# Public keys") and "alice@laptop" in text
    assert main(["keys", "remove", bob.fingerprint, *where]) == 0
    assert [s.name for s in load_keyring(project.path)] == ["Alice"]
    assert main(["keys", "remove", "Bob", *where]) == 2
    assert "no signer or key 'Bob'" in capsys.readouterr().err


def test_keys_commands_need_a_project_and_a_readable_key(tmp_path, project, alice, capsys):
    assert main(["keys", "add", "Alice", alice.openssh(), "--project", str(tmp_path)]) == 2
    assert "not a project" in capsys.readouterr().err
    assert main(["keys", "show", str(alice.path)]) == 0
    assert capsys.readouterr().out.startswith(alice.openssh())
    assert main(["keys", "generate", str(tmp_path / "nowhere" / "k")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["verify", str(project.path), "--keys", str(tmp_path / "none.yaml")]) == 2
    assert "no such signers file" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("signers: {}\n", "expected 'signers:' with a list"),
        ("signers:\n  - name: A\n", r"signers\.yaml:2: signers\[0\]: expected name"),
        ("signers:\n  - name: A\n    key: ssh-ed25519 AAAA\n",
         r"signers\.yaml:2: signers\[0\]: expected an Ed25519 public key"),
        ("signers:\n  - name: A\n    key: x\n    admin: true\n", r"signers\[0\]: expected name"),
        ("signers: [\n", "signers.yaml"),
    ],
)
def test_a_broken_signers_file_names_file_and_line(project, text, expected, capsys):
    (project.path / "signers.yaml").write_text(text)
    with pytest.raises(InputError, match=expected):
        load_keyring(project.path)
    assert main(["verify", str(project.path)]) == 2


def test_a_signers_file_round_trips(tmp_path, alice, bob):
    ring = Keyring()
    ring.add("Bob", bob.openssh())
    ring.add("Alice", alice.openssh("alice@laptop"))
    path = ring.save(tmp_path / "signers.yaml")
    again = Keyring.load(path)
    assert [(s.name, s.public_key, s.comment) for s in again] == [
        ("Alice", alice.public_key, "alice@laptop"), ("Bob", bob.public_key, "")]
    assert again.to_yaml() == path.read_text()


# --------------------------------------------------------------------------- signing


def test_a_signed_record_carries_its_key_and_a_deterministic_signature(tmp_path, alice):
    one, two = DecisionLog(tmp_path / "a.jsonl"), DecisionLog(tmp_path / "b.jsonl")
    first = note(one, key=alice)
    second = note(two, key=alice)
    assert first["sig"] == second["sig"]  # same record, same key: same bytes (Ed25519)
    assert first["sig"]["alg"] == "ed25519" and set(first["sig"]) == {"alg", "key", "value"}
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    ring = Keyring()
    ring.add("Alice", alice.openssh())
    [sig] = record_signatures(one, ring)
    assert (sig.status, sig.signer, sig.fingerprint) == ("known_key", "Alice", alice.fingerprint)
    assert record_signatures(one)[0].label == f"signed by an unknown key {alice.fingerprint}"


def test_the_signature_binds_the_records_place_in_the_chain(tmp_path, alice):
    log = DecisionLog(tmp_path / "d.jsonl", signer=alice)
    note(log, "same text")
    note(log, "same text")
    lines = log.path.read_bytes().splitlines()
    one, two = json.loads(lines[0]), json.loads(lines[1])
    assert one["sig"]["value"] != two["sig"]["value"]  # seq and prev are signed


def test_signing_with_the_environment_variable_use_key_and_a_block(tmp_path, alice, bob,
                                                                    monkeypatch):
    log = DecisionLog(tmp_path / "d.jsonl")
    note(log)
    monkeypatch.setenv(KEY_ENV, str(alice.path))
    note(log)
    use_key(bob.path)
    note(log)
    with signing_with(alice.path):
        note(log)
    use_key(None)
    monkeypatch.setenv(KEY_ENV, "")
    note(log)
    ring = Keyring()
    ring.add("Alice", alice.openssh())
    ring.add("Bob", bob.openssh())
    assert [s.signer or s.status for s in record_signatures(log, ring)] == [
        "unsigned", "Alice", "Bob", "Alice", "unsigned"]
    assert verify(log.path).ok


def test_an_unusable_key_in_the_environment_writes_nothing(tmp_path, monkeypatch):
    log = DecisionLog(tmp_path / "d.jsonl")
    note(log)
    before = log.path.read_bytes()
    monkeypatch.setenv(KEY_ENV, str(tmp_path / "missing.key"))
    with pytest.raises(SigningKeyError, match=f"{KEY_ENV}: .*no such key file"):
        note(log)
    assert log.path.read_bytes() == before


def test_the_project_signs_decisions_and_says_who_signed(project, alice, bob):
    ring_path = project.path / "signers.yaml"
    ring = Keyring(path=ring_path)
    ring.add("Alice", alice.openssh())
    ring.save()
    accept(project, CRITICAL)
    with signing_with(alice):
        accept(project, HIGH)
    with signing_with(bob):
        accept(project, MEDIUM)
    who = decision_signatures(project)
    assert {k: v.label for k, v in who.items()} == {
        "D-0001": "unsigned",
        "D-0002": "signed by Alice",
        "D-0003": f"signed by an unknown key {bob.fingerprint}",
    }
    assert who["D-0001"].note == "Alice has a key in this project, but this record is not signed with it"
    assert Project.open(project.path, clock=clock).notices == []
    gate = unsigned_at_gate(project, "high")
    assert [(r["decision"], r["signature"]) for r in gate] == [("D-0001", "unsigned")]
    assert [r["decision"] for r in unsigned_at_gate(project, "medium")] == ["D-0001", "D-0003"]


def test_check_require_signed_fails_on_unsigned_decisions_at_the_gate(project, alice, capsys):
    assert main(["keys", "add", "Alice", alice.openssh(), "--project", str(project.path)]) == 0
    high = [r["id"] for r in project.undecided("high")]
    for n, fid in enumerate(high):
        with signing_with(alice if fid != CRITICAL else None):
            accept(project, fid, n)
    accept(project, MEDIUM, 99)  # below the gate: unsigned is fine
    capsys.readouterr()
    args = ["check", str(project.path), "--as-of", "2026-12-01"]
    assert main(args) == 0  # without the flag signatures do not count
    assert main([*args, "--require-signed"]) == 1
    out = capsys.readouterr().out
    assert "1 decision(s) at or above high not signed by a key of this project" in out
    assert CRITICAL in out and "unsigned" in out
    with signing_with(alice):
        accept(project, CRITICAL, 100)
    capsys.readouterr()
    assert main([*args, "--require-signed"]) == 0
    assert "every decision at or above high is signed" in capsys.readouterr().out
    with signing_with(alice):  # the other medium findings are decided and signed
        for n, fid in enumerate(r["id"] for r in project.undecided("medium")):
            accept(project, fid, 200 + n)
    capsys.readouterr()
    assert main([*args, "--require-signed", "--fail-on", "medium", "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in data["unsigned"]] == [MEDIUM] and data["undecided"] == []


def test_import_signs_with_key(project, alice, tmp_path, capsys):
    path = tmp_path / "register.csv"
    project.register().to_csv(path)
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    for row in rows[1:]:
        if row[0] == MEDIUM:
            row[header.index("treatment")] = "accept"
            row[header.index("rationale")] = "Accepted: spending limits on the provider account."
            row[header.index("owner")] = "Bob"
            row[header.index("review_by")] = "2027-06-01"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    assert main(["import", str(project.path), str(path), "--key", str(alice.path)]) == 0
    [sig] = record_signatures(project.path / "decisions.jsonl")
    assert sig.fingerprint == alice.fingerprint and sig.status == "unknown_key"
    assert main(["import", str(project.path), str(path), "--key", str(tmp_path / "nope")]) == 2
    assert "no such key file" in capsys.readouterr().err


# --------------------------------------------------------------------------- record shape


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda s: {**s, "alg": "rsa"}, "unknown signature algorithm 'rsa'"),
        (lambda s: {**s, "key": "YWJj"}, "key must be 32 bytes in base64"),
        (lambda s: {**s, "value": "!!"}, "value is not base64 text"),
        (lambda s: {**s, "by": "x"}, "sig must be an object"),
        (lambda s: "signed", "sig must be an object"),
    ],
)
def test_a_malformed_signature_is_refused_with_its_line(tmp_path, alice, change, expected):
    from workbench.risk.decisions import _canonical, _hash

    log = DecisionLog(tmp_path / "d.jsonl", signer=alice)
    note(log)
    rec = json.loads(log.path.read_bytes())
    rec["sig"] = change(rec["sig"])
    log.path.write_bytes(_canonical(rec) + b"\n")
    result = verify(log.path)
    assert not result.ok and result.first_bad_line == 1 and expected in result.problem
    with pytest.raises(DecisionLogError, match=f"line 1: note record: .*{expected[:12]}"):
        log.decisions()
    assert _hash(_canonical(rec)) == result.head


def test_archives_keep_the_signers(project, alice, tmp_path):
    assert main(["keys", "add", "Alice", alice.openssh(), "--project", str(project.path)]) == 0
    with signing_with(alice):
        accept(project, CRITICAL)
    target = unpack_project(pack_project(project.path), tmp_path / "again")
    assert (target / "signers.yaml").read_bytes() == (project.path / "signers.yaml").read_bytes()
    assert main(["verify", str(target), "--require-signed"]) == 0


def test_keys_never_reach_the_project_or_its_archive(project, alice):
    with signing_with(alice):
        accept(project, CRITICAL)
    private = alice.path.read_bytes()
    for path in project.path.iterdir():
        assert private not in path.read_bytes()
    assert b"PRIVATE KEY" not in pack_project(project.path)
    assert os.environ.get(KEY_ENV) is None


def test_keys_are_the_ones_ssh_keygen_makes_and_fingerprints(keys, project, capsys):
    import shutil
    import subprocess

    if shutil.which("ssh-keygen") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("ssh-keygen (openssh-client) is missing")
        pytest.skip("ssh-keygen is not installed")
    path = keys / "from-ssh"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "carol", "-f", str(path)],
                   check=True, timeout=60)
    key = load_signing_key(path)
    listed = subprocess.run(["ssh-keygen", "-l", "-f", f"{path}.pub"], check=True, timeout=60,
                            capture_output=True, text=True).stdout.split()
    assert listed[1] == key.fingerprint
    assert main(["keys", "add", "Carol", f"{path}.pub", "--project", str(project.path)]) == 0
    ours = keys / "ours"
    generate_key(ours, comment="ours")
    again = subprocess.run(["ssh-keygen", "-y", "-f", str(ours)], check=True, timeout=60,
                           capture_output=True, text=True).stdout.split()[:2]
    assert " ".join(again) == (keys / "ours.pub").read_text().split(" ours")[0]


def test_a_private_key_given_as_public_key_is_refused_without_echoing_it(project, alice, capsys):
    assert main(["keys", "add", "Alice", str(alice.path), "--project", str(project.path)]) == 2
    err = capsys.readouterr().err
    assert "this is a private key" in err and "b3BlbnNzaC" not in err
    assert not (project.path / "signers.yaml").exists()


def test_verify_records_lists_every_record_with_its_signer(project, alice, capsys):
    assert main(["keys", "add", "Alice", alice.openssh(), "--project", str(project.path)]) == 0
    with signing_with(alice):
        accept(project, CRITICAL)
        accept(project, HIGH, 2)
    capsys.readouterr()
    assert main(["verify", str(project.path)]) == 0
    assert "line 1" not in capsys.readouterr().out
    assert main(["verify", str(project.path), "--records"]) == 0
    out = capsys.readouterr().out
    assert "line 1 (seq 1) D-0001 by Alice: signed by Alice" in out
    assert "line 2 (seq 2) D-0002 by Alice: signed by Alice" in out


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=80),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=3),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sig=json_values, extra=st.dictionaries(st.sampled_from(["sig", "x", "text", "seq"]),
                                              json_values, max_size=2))
def test_no_record_makes_the_reader_or_verify_fail_other_than_by_saying_so(tmp_path, alice,
                                                                           sig, extra):
    from workbench.risk.anchors import audit_log
    from workbench.risk.decisions import _canonical

    path = tmp_path / "fuzz.jsonl"
    path.unlink(missing_ok=True)
    log = DecisionLog(path, signer=alice)
    note(log)
    rec = json.loads(path.read_bytes())
    rec["sig"] = sig
    rec.update(extra)
    path.write_bytes(_canonical(rec) + b"\n")
    result = verify(path)
    audit = audit_log(path, keyring=Keyring())
    assert isinstance(result.ok, bool) and audit.ok == result.ok
    if not result.ok:
        assert result.first_bad_line == 1 and result.problem
    try:
        log.records()
    except DecisionLogError as exc:
        assert "line 1" in str(exc)


def test_check_require_signed_refuses_a_log_that_fails_verify(project, alice, capsys):
    assert main(["keys", "add", "Alice", alice.openssh(), "--project", str(project.path)]) == 0
    with signing_with(alice):
        accept(project, CRITICAL)
    log = project.path / "decisions.jsonl"
    log.write_bytes(log.read_bytes().replace(b"Bob", b"Eve"))
    capsys.readouterr()
    assert main(["check", str(project.path), "--require-signed", "--fail-on", "critical"]) == 2
    assert "fails verification" in capsys.readouterr().err

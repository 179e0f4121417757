"""Signed decision records: Ed25519 keys, the project's signers, and who signed what.

A hash chain shows that a decision log was not changed *unless* whoever changed
it recomputed the chain; anyone who can write the files can. A signature shows
who recorded a record: it is made with a private key that only its owner holds,
outside the project, and checked with the public key that the project lists
for that person.

* **Keys** are Ed25519 key pairs. :func:`generate_key` writes the private key in
  OpenSSH format (file mode 0600) and the public key beside it (``.pub``, one
  ``ssh-ed25519 AAAA... comment`` line). An existing unencrypted OpenSSH or
  PKCS#8 PEM Ed25519 key works as well. A private key is never read from, nor
  written into, a project folder.
* **Signing**: a :class:`~workbench.risk.decisions.DecisionLog` signs each record
  it appends with its ``signer``, else with the key of this process
  (:func:`use_key`), else with the key file named by the environment variable
  ``WORKBENCH_SIGNING_KEY``; with none of them the record is unsigned. The
  signature covers the record's canonical JSON without its ``sig`` field, so it
  binds the record's content, its ``seq`` and its ``prev`` (its place in the
  chain), behind a fixed prefix (:data:`SIGNED_PREFIX`) that keeps it from
  meaning anything outside a decision log.
* **Signers**: ``signers.yaml`` in the project lists the public keys of its
  people by name (:class:`Keyring`; ``workbench keys add NAME PUBKEY``).
* **Verdicts**: :func:`record_signatures` gives, for every record, whether it is
  signed by a listed key (and whose), by a key the project does not list,
  unsigned, or carries a signature that does not match it.

Ed25519 through the ``cryptography`` library (rather than ``ssh-keygen -Y``)
needs no external program, gives the same deterministic signatures on Linux,
macOS and Windows, and verifies thousands of records per second in-process.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import re
import stat
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from workbench._atomic import atomic_write_text, removed_on_failure, write_and_sync
from workbench._records import Record
from workbench.errors import InputError
from workbench.risk.logline import (
    SIGNATURE_FIELD,
    DecisionLogError,
    _canonical,
    _parse_line,
    _read_bytes,
    _signature_shape_problem,
    _split,
)

__all__ = [
    "BAD_SIGNATURE",
    "KEY_ENV",
    "SIGNED_PREFIX",
    "SIGNERS_FILE",
    "STATUSES",
    "Keyring",
    "RecordSignature",
    "Signer",
    "SigningKey",
    "SigningKeyError",
    "active_key",
    "decision_signatures",
    "fingerprint",
    "first_bad_signature",
    "generate_key",
    "load_keyring",
    "load_signing_key",
    "parse_public_key",
    "record_signatures",
    "signing_payload",
    "signing_with",
    "unsigned_at_gate",
    "use_key",
]

#: Environment variable naming the private key file that signs appended records.
KEY_ENV = "WORKBENCH_SIGNING_KEY"
#: What is signed: this prefix, then the record's canonical JSON without ``sig``.
SIGNED_PREFIX = b"ai-threat-workbench decision-log record v1\n"
#: The project's list of signers (public keys by name), in the project folder.
SIGNERS_FILE = "signers.yaml"
#: Verdicts of :class:`RecordSignature`, from best to worst.
STATUSES: tuple[str, ...] = ("known_key", "unknown_key", "unsigned", "bad_signature")

#: What verify says of a record whose signature does not match it.
BAD_SIGNATURE = (
    "the signature does not match the record: it was changed after it was signed, "
    "or moved to another place in the chain"
)

_SSH_PREFIX = b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20"
_NAME_RE = re.compile(r"[^\x00-\x1f\x7f]+")


class SigningKeyError(InputError):
    """A key file or public key cannot be used as given (exit code 2); nothing was written."""


# --------------------------------------------------------------------------- keys


def fingerprint(public_key: bytes) -> str:
    """``SHA256:...`` of a raw 32-byte Ed25519 public key, as ``ssh-keygen -l`` prints it."""
    digest = hashlib.sha256(_SSH_PREFIX + public_key).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


def _openssh(public_key: bytes, comment: str = "") -> str:
    line = "ssh-ed25519 " + base64.b64encode(_SSH_PREFIX + public_key).decode("ascii")
    return f"{line} {comment}".rstrip()


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@dataclass(frozen=True)
class SigningKey:
    """A private Ed25519 key that signs decision-log records (see :func:`load_signing_key`)."""

    private_key: Ed25519PrivateKey
    path: Path | None = None

    @property
    def public_key(self) -> bytes:
        """The raw 32-byte public key."""
        return _raw_public(self.private_key.public_key())

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_key)

    def openssh(self, comment: str = "") -> str:
        """The public key as one ``ssh-ed25519 AAAA... comment`` line."""
        return _openssh(self.public_key, comment)

    def sign(self, record: Mapping[str, Any]) -> dict[str, str]:
        """The ``sig`` field for *record* (which has its ``seq`` and ``prev`` already)."""
        value = self.private_key.sign(signing_payload(record))
        return {
            "alg": "ed25519",
            "key": base64.b64encode(self.public_key).decode("ascii"),
            "value": base64.b64encode(value).decode("ascii"),
        }

    def __repr__(self) -> str:
        return f"SigningKey({self.fingerprint}, path={str(self.path) if self.path else None!r})"


def signing_payload(record: Mapping[str, Any]) -> bytes:
    """The bytes a record's signature covers."""
    return SIGNED_PREFIX + _canonical({k: v for k, v in record.items() if k != SIGNATURE_FIELD})


def _expand(path: str | os.PathLike[str]) -> Path:
    return Path(os.path.expanduser(os.fspath(path)))


def _inside_project(path: Path) -> Path | None:
    """The project folder (holding project.yaml) that *path* lies in, if any."""
    resolved = path.resolve()
    for folder in resolved.parents:
        if (folder / "project.yaml").is_file():
            return folder
    return None


def generate_key(path: str | os.PathLike[str], *, comment: str = "") -> SigningKey:
    """Write a new private key to *path* (mode 0600) and its public key to *path*.pub.

    Refuses to overwrite either file, and refuses a path inside a project folder
    (a private key there would be committed and shared with the project).
    """
    target = _expand(path)
    pub = target.with_name(target.name + ".pub")
    if not target.parent.is_dir():
        raise SigningKeyError(f"{target}: the folder {target.parent} does not exist")
    project = _inside_project(target)
    if project is not None:
        raise SigningKeyError(
            f"{target}: this is inside the project folder {project}; keep private keys "
            "outside every project (for example in ~/.config/workbench/)"
        )
    for existing in (target, pub):
        if existing.exists():
            raise SigningKeyError(f"{existing}: exists already; nothing was overwritten")
    if comment and not _NAME_RE.fullmatch(comment):
        raise SigningKeyError("the key's comment must not hold control characters")
    private = Ed25519PrivateKey.generate()
    data = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    )
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(target, flags, 0o600)
    except OSError as exc:
        raise SigningKeyError(f"{target}: cannot create the key file: {exc.strerror}") from None
    with removed_on_failure(target):
        write_and_sync(fd, data)
        with contextlib.suppress(OSError):
            os.chmod(target, 0o600)  # whatever the umask did
        key = SigningKey(private, target)
        atomic_write_text(pub, key.openssh(comment) + "\n")
    return key


def load_signing_key(path: str | os.PathLike[str]) -> SigningKey:
    """Read a private Ed25519 key (OpenSSH or PKCS#8 PEM, unencrypted).

    On POSIX systems a key file that others may read is refused (as ssh does);
    so is one inside a project folder.
    """
    target = _expand(path)
    try:
        info = target.stat()
        data = target.read_bytes()
    except FileNotFoundError:
        raise SigningKeyError(
            f"{target}: no such key file (make one with: workbench keys generate {target})"
        ) from None
    except OSError as exc:
        raise SigningKeyError(f"{target}: cannot read the key file: {exc.strerror}") from None
    project = _inside_project(target)
    if project is not None:
        raise SigningKeyError(
            f"{target}: a private key inside the project folder {project} is shared with the "
            "project; move it outside the project and keep only its public key in signers.yaml"
        )
    if sys.platform != "win32" and info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SigningKeyError(
            f"{target}: other users may read this private key (mode "
            f"{stat.S_IMODE(info.st_mode):04o}); restrict it with: chmod 600 {target}"
        )
    key: Any
    try:
        if b"OPENSSH PRIVATE KEY" in data:
            key = serialization.load_ssh_private_key(data, password=None)
        else:
            key = serialization.load_pem_private_key(data, password=None)
    except TypeError:
        raise SigningKeyError(
            f"{target}: the key is protected by a passphrase; the workbench reads "
            "unencrypted key files only (keep the file mode 0600)"
        ) from None
    except (ValueError, UnsupportedAlgorithm) as exc:
        first = str(exc).splitlines()[0] if str(exc) else "unreadable"
        raise SigningKeyError(
            f"{target}: not a private key in OpenSSH or PEM format ({first})"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(
            f"{target}: a {type(key).__name__.lstrip('_')} key; the workbench signs with "
            "Ed25519 keys only (workbench keys generate PATH makes one)"
        )
    return SigningKey(key, target)


def parse_public_key(text: str) -> tuple[bytes, str]:
    """The raw public key and comment of ``ssh-ed25519 AAAA... comment`` (or PEM).

    Raises :class:`SigningKeyError` saying what was expected.
    """
    text = text.strip()
    expected = "expected an Ed25519 public key: one line 'ssh-ed25519 AAAA... comment' (a .pub file)"
    if not text:
        raise SigningKeyError(expected)
    if "PRIVATE KEY" in text:
        raise SigningKeyError(
            "this is a private key: give its public key (the .pub file beside it), and never "
            "share the private key"
        )
    key: Any
    comment = ""
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_public_key(text.encode("ascii"))
        else:
            parts = text.split(None, 2)
            if len(parts) < 2:
                raise ValueError
            comment = parts[2].strip() if len(parts) > 2 else ""
            key = serialization.load_ssh_public_key(f"{parts[0]} {parts[1]}".encode("ascii"))
    except (ValueError, UnsupportedAlgorithm, UnicodeEncodeError):
        raise SigningKeyError(f"{expected}; got {text[:60]!r}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise SigningKeyError(f"{expected}; got a key of another kind")
    return _raw_public(key), comment


# --------------------------------------------------------------------------- the active key

_process_key: SigningKey | None = None


def use_key(key: SigningKey | str | os.PathLike[str] | None) -> SigningKey | None:
    """Sign every record this process appends with *key* (a key or a key file); ``None`` stops.

    For a notebook: ``use_key("~/.config/workbench/alice.key")`` once, then every
    decision the workbench records in this kernel is signed. Returns the key.
    """
    global _process_key
    _process_key = key if isinstance(key, SigningKey) or key is None else load_signing_key(key)
    return _process_key


@contextlib.contextmanager
def signing_with(key: SigningKey | str | os.PathLike[str] | None) -> Iterator[SigningKey | None]:
    """Within the block, sign with *key* (``None``: leave the current choice as it is)."""
    global _process_key
    before = _process_key
    try:
        yield use_key(key) if key is not None else before
    finally:
        _process_key = before


def active_key(explicit: SigningKey | None = None, *, log_path: Path | None = None) -> SigningKey | None:
    """The key that signs the next record: *explicit*, the process's key, or ``$WORKBENCH_SIGNING_KEY``.

    An unusable key file named by the environment variable is an error (nothing
    is written unsigned by mistake); an empty variable means no key.
    """
    key = explicit or _process_key
    if key is None:
        named = os.environ.get(KEY_ENV, "").strip()
        if not named:
            return None
        try:
            key = load_signing_key(named)
        except SigningKeyError as exc:
            raise SigningKeyError(f"{KEY_ENV}: {exc}") from None
    if key.path is not None and log_path is not None:
        folder = log_path.resolve().parent
        if (folder / "project.yaml").is_file() and key.path.resolve().is_relative_to(folder):
            raise SigningKeyError(
                f"{key.path}: the signing key lies in the project folder {folder}; "
                "move it outside the project"
            )
    return key


# --------------------------------------------------------------------------- signers


@dataclass(frozen=True)
class Signer:
    """A person of the project and one of their public keys."""

    name: str
    public_key: bytes
    comment: str = ""

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_key)

    @property
    def openssh(self) -> str:
        return _openssh(self.public_key, self.comment)

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "fingerprint": self.fingerprint, "key": self.openssh}


class Keyring:
    """The project's signers: public keys by person, read from and saved to ``signers.yaml``.

    A person may have several keys (one per machine); a key belongs to one person.
    """

    def __init__(self, signers: Iterable[Signer] = (), *, path: Path | None = None) -> None:
        self.signers: list[Signer] = sorted(signers, key=lambda s: (s.name.casefold(), s.openssh))
        self.path = path

    def __len__(self) -> int:
        return len(self.signers)

    def __iter__(self) -> Iterator[Signer]:
        return iter(self.signers)

    def find(self, public_key: bytes) -> Signer | None:
        """The signer whose key this is, or ``None``."""
        for s in self.signers:
            if s.public_key == public_key:
                return s
        return None

    def names(self) -> set[str]:
        return {s.name for s in self.signers}

    def add(self, name: str, public_key: str | bytes, comment: str = "") -> tuple[Signer, bool]:
        """Add *name*'s key; returns the signer and whether anything changed."""
        name = name.strip() if isinstance(name, str) else name
        if not isinstance(name, str) or not name or not _NAME_RE.fullmatch(name):
            raise SigningKeyError("the signer needs a name (text without control characters)")
        raw, parsed_comment = (
            parse_public_key(public_key) if isinstance(public_key, str) else (public_key, comment)
        )
        comment = comment or parsed_comment
        if comment and not _NAME_RE.fullmatch(comment):
            comment = ""
        owner = self.find(raw)
        if owner is not None:
            if owner.name == name:
                return owner, False
            raise SigningKeyError(
                f"the key {fingerprint(raw)} is listed already for {owner.name!r}; "
                "a key belongs to one person"
            )
        signer = Signer(name, raw, comment)
        self.signers = sorted(
            [*self.signers, signer], key=lambda s: (s.name.casefold(), s.openssh)
        )
        return signer, True

    def remove(self, name_or_fingerprint: str) -> list[Signer]:
        """Remove every key of a person, or the one key with this fingerprint."""
        what = name_or_fingerprint.strip()
        gone = [s for s in self.signers if what in (s.name, s.fingerprint)]
        if not gone:
            known = ", ".join(sorted(self.names())) or "none"
            raise SigningKeyError(f"no signer or key {what!r} in this project (signers: {known})")
        self.signers = [s for s in self.signers if s not in gone]
        return gone

    def to_yaml(self) -> str:
        from workbench.model._yaml import dump_yaml

        entries = [
            {"name": s.name, "key": s.openssh} for s in self.signers
        ]
        return _SIGNERS_HEADER + dump_yaml({"signers": entries})

    def save(self, path: Path | None = None) -> Path:
        """Write ``signers.yaml`` atomically."""
        target = path or self.path
        if target is None:
            raise SigningKeyError("where should the signers be saved? give a path")
        return atomic_write_text(target, self.to_yaml())

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Keyring:
        """Read a signers file; a missing file is an empty keyring."""
        from workbench.model._yaml import parse_yaml

        target = Path(path)
        try:
            text = target.read_bytes().decode("utf-8-sig")
        except FileNotFoundError:
            return cls(path=target)
        except (OSError, UnicodeDecodeError) as exc:
            raise SigningKeyError(f"{target}: cannot read the signers: {exc}") from None
        data, lines, _dups = parse_yaml(text, str(target))
        if data is None:
            return cls(path=target)
        entries = data.get("signers") if isinstance(data, dict) else None
        if not isinstance(entries, list):
            raise SigningKeyError(
                f"{target}: expected 'signers:' with a list of name and key entries"
            )
        ring = cls(path=target)
        for n, entry in enumerate(entries):
            line = lines.get(("signers", n), 1)
            where = f"{target}:{line}: signers[{n}]"
            if not isinstance(entry, dict) or set(entry) - {"name", "key"} or not (
                isinstance(entry.get("name"), str) and isinstance(entry.get("key"), str)
            ):
                raise SigningKeyError(f"{where}: expected name: TEXT and key: ssh-ed25519 ...")
            try:
                ring.add(entry["name"], entry["key"])
            except SigningKeyError as exc:
                raise SigningKeyError(f"{where}: {exc}") from None
        return ring


_SIGNERS_HEADER = (
    "# Public keys of the people who sign this project's decisions (workbench keys add).\n"
    "# workbench verify trusts every key listed here: review each change to this file.\n"
)


def load_keyring(project_or_file: str | os.PathLike[str]) -> Keyring:
    """The signers of a project folder (its ``signers.yaml``), or of a signers file."""
    target = Path(project_or_file)
    return Keyring.load(target / SIGNERS_FILE if target.is_dir() else target)


# --------------------------------------------------------------------------- verdicts


@dataclass(frozen=True)
class RecordSignature(Record):
    """Who signed one record of a decision log.

    ``status`` is one of :data:`STATUSES`:

    ``known_key``
        a valid signature by a key the project lists; ``signer`` names its person.
    ``unknown_key``
        a valid signature by a key the project does not list (anyone can make a
        key: this says nothing about who it was).
    ``unsigned``
        no signature.
    ``bad_signature``
        the signature does not match the record: it was changed after it was
        signed (or moved in the chain).

    ``decision_id`` is the decision's id (``D-0001``) for decision records;
    ``by`` is who the record says recorded it, and ``note`` says when that is a
    listed signer whose key did not sign it. :attr:`label` is the text to show.
    """

    line: int
    seq: int | None
    type: str | None
    decision_id: str | None
    by: str | None
    status: str
    signer: str | None = None
    fingerprint: str | None = None
    note: str | None = None

    @property
    def label(self) -> str:
        if self.status == "known_key":
            return f"signed by {self.signer}"
        if self.status == "unknown_key":
            return f"signed by an unknown key {self.fingerprint}"
        if self.status == "bad_signature":
            return "signature does not match the record"
        return "unsigned"

    #: What :meth:`to_dict` writes, in this order.
    DICT_KEYS: ClassVar[tuple[str, ...]] = (
        "line", "seq", "type", "decision_id", "by", "status", "signer", "fingerprint", "label",
        "note",
    )


#: Signature checks already made in this process, by the SHA-256 of the line: the
#: workbench verifies the same log again on every refresh. Bounded; cleared when full.
_checked: dict[bytes, tuple[str, bytes | None]] = {}
_CHECKED_MAX = 200_000


def _check_line(line: bytes, rec: Mapping[str, Any]) -> tuple[str, bytes | None]:
    digest = hashlib.sha256(line).digest()
    found = _checked.get(digest)
    if found is None:
        found = _check(rec)
        if len(_checked) >= _CHECKED_MAX:
            _checked.clear()
        _checked[digest] = found
    return found


def _check(rec: Mapping[str, Any]) -> tuple[str, bytes | None]:
    """``unsigned``, ``bad_signature`` or ``signed`` and the signing key."""
    sig = rec.get(SIGNATURE_FIELD)
    if sig is None:
        return "unsigned", None
    if _signature_shape_problem(sig):
        return "bad_signature", None
    raw = base64.b64decode(sig["key"])
    try:
        Ed25519PublicKey.from_public_bytes(raw).verify(
            base64.b64decode(sig["value"]), signing_payload(rec)
        )
    except (InvalidSignature, ValueError):
        return "bad_signature", raw
    return "signed", raw


def first_bad_signature(lines: Sequence[bytes]) -> tuple[int, int | None, str] | None:
    """(line, seq, problem) of the first record whose signature does not match it."""
    for i, line in enumerate(lines, start=1):
        if b'"%s":' % SIGNATURE_FIELD.encode() not in line:
            continue
        rec, _problem = _parse_line(line)
        if rec is None:
            continue
        status, _raw = _check_line(line, rec)
        if status == "bad_signature":
            seq = rec.get("seq") if isinstance(rec.get("seq"), int) else None
            return i, seq, f"line {i} (seq {seq}): {BAD_SIGNATURE}"
    return None


def record_signatures(
    source: str | os.PathLike[str] | bytes | Any, keyring: Keyring | None = None
) -> list[RecordSignature]:
    """Who signed each record of a log (a path, the log's bytes or a ``DecisionLog``).

    Every complete line that is a JSON object gets a :class:`RecordSignature`;
    *keyring* (default: none) decides which keys are known. This checks
    signatures only: run :func:`~workbench.risk.decisions.verify` for the chain.
    """
    if isinstance(source, bytes):
        data = source
    else:
        data = _read_bytes(Path(getattr(source, "path", source)))
    ring = keyring if keyring is not None else Keyring()
    names = {n.casefold(): n for n in ring.names()}
    out: list[RecordSignature] = []
    for i, line in enumerate(_split(data)[0], start=1):
        rec, _problem = _parse_line(line)
        if rec is None:
            continue
        seq = rec.get("seq") if isinstance(rec.get("seq"), int) else None
        kind = rec.get("type") if isinstance(rec.get("type"), str) else None
        did = rec.get("id") if kind == "decision" and isinstance(rec.get("id"), str) else None
        by = rec.get("by") if isinstance(rec.get("by"), str) else None
        status, raw = _check_line(line, rec)
        signer = ring.find(raw) if raw is not None and status == "signed" else None
        if status == "signed":
            status = "known_key" if signer is not None else "unknown_key"
        note = None
        claimed = names.get((by or "").strip().casefold())
        if claimed is not None and status != "bad_signature" and (
            signer is None or signer.name != claimed
        ):
            note = f"{claimed} has a key in this project, but this record is not signed with it"
        out.append(
            RecordSignature(
                line=i,
                seq=seq,
                type=kind,
                decision_id=did,
                by=by,
                status=status,
                signer=signer.name if signer else None,
                fingerprint=fingerprint(raw) if raw is not None else None,
                note=note,
            )
        )
    return out


def decision_signatures(project: Any, keyring: Keyring | None = None) -> dict[str, RecordSignature]:
    """Decision id -> who signed it, for a :class:`~workbench.project.Project`.

    The keyring defaults to the project's ``signers.yaml``. For the workbench and
    the report: ``decision_signatures(project)["D-0003"].label`` is
    ``"signed by Alice"``, ``"signed by an unknown key SHA256:..."``,
    ``"unsigned"`` or ``"signature does not match the record"``.
    """
    ring = keyring if keyring is not None else load_keyring(project.path)
    return {
        r.decision_id: r
        for r in record_signatures(project.log.path, ring)
        if r.decision_id is not None
    }


def unsigned_at_gate(
    project: Any, fail_on: str = "high", *, as_of: Any = None, keyring: Keyring | None = None
) -> list[dict[str, Any]]:
    """Findings at or above *fail_on* whose current decision is not signed by a listed key.

    One row per such finding: ``id``, ``band``, ``decision`` (its id), ``decided_by``,
    ``signature`` (a :data:`STATUSES` value) and ``label``. For ``workbench check
    --require-signed``; findings without a current decision are the gate's own
    business (:meth:`~workbench.project.Project.undecided`). Raises
    :class:`~workbench.risk.decisions.DecisionLogError` when the log fails
    verification (against the head the project recorded): then no signature counts.
    """
    recorded = project.settings.get("decision_log") or {}
    checked = project.log.verify(
        expected_head=recorded.get("head"), expected_records=recorded.get("records")
    )
    if not checked.ok:
        raise DecisionLogError(
            f"{project.log.path}: the decision log fails verification ({checked.problem}); "
            "no decision counts as signed until it is repaired (see workbench verify)"
        )
    rank = project.matrix.band_rank(fail_on)
    state = project.state(as_of=as_of)
    signatures = decision_signatures(project, keyring)
    out = []
    for row in state.rows:
        decision = state.current.get(row["id"])
        if decision is None or project.matrix.band_rank(row["band"]) < rank:
            continue
        sig = signatures.get(decision.id)
        if sig is not None and sig.status == "known_key":
            continue
        out.append({
            "id": row["id"],
            "band": row["band"],
            "decision": decision.id,
            "decided_by": decision.decided_by,
            "signature": sig.status if sig is not None else "unsigned",
            "label": sig.label if sig is not None else "unsigned",
        })
    return out

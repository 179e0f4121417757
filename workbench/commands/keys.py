"""Decision-log integrity commands: verify, and keys (generate, add, list, remove, show)."""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from workbench._output import add_format_argument, render_table, to_json
from workbench.commands._parsers import TABLE_JSON, Options, add_command
from workbench.errors import InputError

__all__ = ["add_key_argument", "register", "signed_handler"]

LOG_FILE = "decisions.jsonl"
_LIST_LIMIT = 20


# --------------------------------------------------------------------------- --key


def add_key_argument(parser: Any) -> None:
    """``--key FILE``: sign the records this command appends (see :func:`signed_handler`)."""
    parser.add_argument(
        "--key",
        metavar="FILE",
        help="sign the decisions this records with this private key file "
        "(default: the file named by WORKBENCH_SIGNING_KEY, else unsigned)",
    )


def signed_handler(handler: Callable[[argparse.Namespace], int]) -> Callable[..., int]:
    """Run *handler* signing with ``--key`` when given."""

    @functools.wraps(handler)
    def run(args: argparse.Namespace) -> int:
        from workbench.risk.signing import load_signing_key, signing_with

        key = load_signing_key(args.key) if getattr(args, "key", None) else None
        with signing_with(key):
            return handler(args)

    return run


# --------------------------------------------------------------------------- verify


def _project_head(folder: Path) -> tuple[str | None, int | None]:
    from workbench.model._yaml import parse_yaml

    project_file = folder / "project.yaml"
    try:
        text = project_file.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{project_file}: cannot read: {exc}") from None
    data, _l, _d = parse_yaml(text, str(project_file))
    recorded = (data or {}).get("decision_log") if isinstance(data, dict) else None
    if not isinstance(recorded, dict):
        return None, None
    head, records = recorded.get("head"), recorded.get("records")
    return (
        head if isinstance(head, str) else None,
        records if isinstance(records, int) and not isinstance(records, bool) else None,
    )


def _signature_summary(signatures: list[Any]) -> str:
    if not signatures:
        return "signatures: no records"
    known: dict[str, int] = {}
    unknown = unsigned = bad = 0
    for s in signatures:
        if s.status == "known_key":
            known[s.signer] = known.get(s.signer, 0) + 1
        elif s.status == "unknown_key":
            unknown += 1
        elif s.status == "unsigned":
            unsigned += 1
        else:
            bad += 1
    if unsigned == len(signatures):
        return f"signatures: none ({unsigned} unsigned record(s))"
    parts = []
    if known:
        who = ", ".join(f"{name} {n}" for name, n in sorted(known.items()))
        parts.append(f"{sum(known.values())} signed by a known key ({who})")
    if unknown:
        parts.append(f"{unknown} signed by an unknown key")
    if unsigned:
        parts.append(f"{unsigned} unsigned")
    if bad:
        parts.append(f"{bad} with a signature that does not match")
    return "signatures: " + ", ".join(parts)


def _record_line(s: Any) -> str:
    what = s.decision_id or s.type or "record"
    by = f" by {s.by}" if s.by else ""
    note = f" ({s.note})" if s.note else ""
    return f"  line {s.line} (seq {s.seq}) {what}{by}: {s.label}{note}"


def cmd_verify(args: argparse.Namespace) -> int:
    from workbench.risk.anchors import audit_log, read_anchor
    from workbench.risk.signing import SIGNERS_FILE, Keyring, load_keyring

    target = Path(args.target)
    if not target.exists():
        raise InputError(f"{target}: no such project folder or decision log")
    if target.is_dir():
        log = target / LOG_FILE
        project_dir: Path | None = target if (target / "project.yaml").is_file() else None
        if project_dir is None and not log.is_file():
            raise InputError(f"{target}: not a project (no project.yaml) and no {LOG_FILE}")
    else:
        log = target
        project_dir = target.parent if (target.parent / "project.yaml").is_file() else None
    expected_head = expected_records = None
    if project_dir is not None and log.name == LOG_FILE:
        expected_head, expected_records = _project_head(project_dir)
        if not log.exists() and expected_records:
            raise InputError(
                f"{log}: the decision log is missing ({expected_records} records expected)"
            )
    if args.keys:
        if not Path(args.keys).is_file():
            raise InputError(f"--keys: {args.keys}: no such signers file")
        keyring = load_keyring(args.keys)
        trusted = str(args.keys)
    elif project_dir is not None:
        keyring = load_keyring(project_dir)
        trusted = str(project_dir / SIGNERS_FILE)
    else:
        keyring, trusted = Keyring(), None
    anchors = [read_anchor(a) for a in args.against or ()]
    result = audit_log(
        log, keyring=keyring, expected_head=expected_head, expected_records=expected_records,
        against=anchors, git=args.git, require_signed=args.require_signed,
    )
    if args.format == "json":
        data = result.to_dict()
        data["signers"] = trusted
        data["project_head"] = (
            {"head": expected_head, "records": expected_records} if expected_head else None
        )
        sys.stdout.write(to_json(data))
        return 0 if result.ok else 1
    chain = result.chain
    if result.ok:
        print(f"{log}: ok, {chain.records} records, head sha256:{chain.head}")
    else:
        print(f"{log}: FAILED")
        for problem in result.problems:
            print(f"  {problem}")
    if chain.ok:
        if expected_head:
            print(f"  chain: intact, and it extends the head recorded in project.yaml "
                  f"({expected_records} records)")
        else:
            print("  chain: intact")
    for anchor, r in result.anchors:
        if not r.ok and not r.problem:
            print(f"  against {anchor.source}: not checked (the chain is broken)")
        elif r.ok:
            count = f"{anchor.records} records, " if anchor.records is not None else ""
            print(f"  against {anchor.source}: the log extends that head "
                  f"({count}sha256:{anchor.head[:16]}...)")
    if result.git is not None and result.git.ok:
        if result.git.versions:
            print(f"  git: {result.git.versions} committed version(s), each extends the one "
                  "before, and the file extends the last")
        else:
            print("  git: the log has no committed version yet: nothing to compare")
    print(f"  {_signature_summary(result.signatures)}"
          + (f" (signers: {trusted}, {len(keyring)} key(s))" if trusted else ""))
    shown = [s for s in result.signatures if args.records or s.status != "known_key" or s.note]
    if len(shown) < len(result.signatures) or any(s.status != "unsigned" for s in shown):
        for s in shown if args.records else shown[:_LIST_LIMIT]:
            print(_record_line(s))
        if len(shown) > _LIST_LIMIT and not args.records:
            print(f"  ... and {len(shown) - _LIST_LIMIT} more (--records lists every record)")
    if trusted is None and any(s.status == "unknown_key" for s in result.signatures):
        print("note: no list of signers here (no project folder): --keys signers.yaml names "
              "the keys")
    if not result.anchored:
        print("note: nothing anchors this log (no head in project.yaml, no --against, no "
              "--git): a log rewritten as a whole, chain and all, would pass")
    elif not any(s.status == "known_key" for s in result.signatures) and result.signatures:
        print("note: no record is signed by a known key: whoever can write the project "
              "files could have written these records")
    return 0 if result.ok else 1


# --------------------------------------------------------------------------- keys


def cmd_keys_generate(args: argparse.Namespace) -> int:
    from workbench.risk.signing import generate_key

    key = generate_key(args.path, comment=args.comment or "")
    line = key.openssh(args.comment or "")
    print(f"wrote the private key {key.path} (mode 0600: keep it outside every project)")
    print(f"wrote the public key  {key.path}.pub")
    print(f"fingerprint {key.fingerprint}")
    print("add it to a project with:")
    print(f"  workbench keys add NAME {line} --project PROJECT")
    print(f"sign with: --key {key.path}, or WORKBENCH_SIGNING_KEY={key.path}")
    return 0


def _public_key_text(parts: list[str]) -> str:
    if len(parts) == 1 and not parts[0].startswith(("ssh-", "-----")):
        path = Path(parts[0]).expanduser()
        if not path.is_file():
            raise InputError(
                f"PUBKEY: {parts[0]!r} is neither a public key ('ssh-ed25519 AAAA...') nor a file"
            )
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{path}: cannot read the public key: {exc}") from None
    return " ".join(parts)


def _project_dir(args: argparse.Namespace) -> Path:
    folder = Path(args.project)
    if not (folder / "project.yaml").is_file():
        raise InputError(
            f"{folder}: not a project (no project.yaml); give the project with --project DIR"
        )
    return folder


def cmd_keys_add(args: argparse.Namespace) -> int:
    from workbench.risk.signing import load_keyring

    folder = _project_dir(args)
    ring = load_keyring(folder)
    signer, changed = ring.add(args.name, _public_key_text(args.pubkey))
    if not changed:
        print(f"unchanged: {signer.name} has the key {signer.fingerprint} already")
        return 0
    path = ring.save()
    print(f"added {signer.name}'s key {signer.fingerprint} to {path}")
    return 0


def cmd_keys_remove(args: argparse.Namespace) -> int:
    from workbench.risk.signing import load_keyring

    folder = _project_dir(args)
    ring = load_keyring(folder)
    gone = ring.remove(args.name)
    path = ring.save()
    for s in gone:
        print(f"removed {s.name}'s key {s.fingerprint} from {path}")
    print("records signed with a removed key now verify as signed by an unknown key")
    return 0


def cmd_keys_list(args: argparse.Namespace) -> int:
    from workbench.risk.signing import load_keyring

    folder = _project_dir(args)
    rows = [s.to_dict() for s in load_keyring(folder)]
    if args.format == "json":
        sys.stdout.write(to_json({"signers": rows}))
    elif not rows:
        print(f"no signers in {folder} (add one with: workbench keys add NAME PUBKEY)")
    else:
        sys.stdout.write(render_table(rows, ["name", "fingerprint", "key"],
                                      ["NAME", "FINGERPRINT", "KEY"]))
    return 0


def cmd_keys_show(args: argparse.Namespace) -> int:
    from workbench.risk.signing import load_signing_key

    key = load_signing_key(args.path)
    print(key.openssh())
    print(f"fingerprint {key.fingerprint}")
    return 0


_VERIFY_OPTIONS: Options = {
    "target": {"metavar": "PROJECT_OR_LOG"},
    "--against": {
        "action": "append",
        "metavar": "HASH|REPORT",
        "help": "a head recorded elsewhere (sha256:HEX, HEX@RECORDS, or a report or JSON "
        "export that carries one): the log must still extend it (repeatable)",
    },
    "--git": {
        "action": "store_true",
        "help": "in a git checkout: no committed version of the log was changed later",
    },
    "--keys": {
        "metavar": "SIGNERS_FILE",
        "help": "trust the keys of this signers file instead of the project's signers.yaml",
    },
    "--require-signed": {
        "action": "store_true",
        "help": "fail when a record is not signed by a known key",
    },
    "--records": {
        "action": "store_true",
        "help": "list every record with who signed it (default: those not signed by a known key)",
    },
}


def register(subparsers: Any) -> None:
    add_command(
        subparsers,
        "verify",
        cmd_verify,
        help="verify a decision log: hash chain, signatures, anchored heads, git history",
        description="Verify a decision log (a project folder or a .jsonl file): its hash "
        "chain and records, the head recorded in project.yaml, each --against head, the "
        "git history (--git), and who signed each record.",
        options=_VERIFY_OPTIONS,
        formats=TABLE_JSON,
    )

    keys = subparsers.add_parser(
        "keys", help="signing keys: generate one, and list the project's signers"
    )
    sub = keys.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    g = sub.add_parser("generate", help="make an Ed25519 key pair (PATH and PATH.pub)")
    g.add_argument("path", metavar="PATH", help="the private key file, outside every project")
    g.add_argument("--comment", metavar="TEXT", help="a comment in the public key (your name)")
    g.set_defaults(handler=cmd_keys_generate)

    a = sub.add_parser("add", help="list a person's public key as a signer of the project")
    a.add_argument("name", metavar="NAME")
    a.add_argument("pubkey", metavar="PUBKEY", nargs="+",
                   help="'ssh-ed25519 AAAA... comment' or a .pub file")
    a.add_argument("--project", default=".", metavar="DIR", help="the project (default: .)")
    a.set_defaults(handler=cmd_keys_add)

    r = sub.add_parser("remove", help="remove a person's keys (or one key by its fingerprint)")
    r.add_argument("name", metavar="NAME_OR_FINGERPRINT")
    r.add_argument("--project", default=".", metavar="DIR", help="the project (default: .)")
    r.set_defaults(handler=cmd_keys_remove)

    ls = sub.add_parser("list", help="the project's signers and their key fingerprints")
    ls.add_argument("--project", default=".", metavar="DIR", help="the project (default: .)")
    add_format_argument(ls)
    ls.set_defaults(handler=cmd_keys_list)

    s = sub.add_parser("show", help="the public key of a private key file")
    s.add_argument("path", metavar="PATH")
    s.set_defaults(handler=cmd_keys_show)

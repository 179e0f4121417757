"""Maintain the hashed lock file and the files generated from it.

``requirements.lock`` is the project's one lock file: every dependency of every
extra, pinned with hashes, resolved for all platforms. It is installed with
``pip install --require-hashes --no-deps -r requirements.lock``.

Commands:
  update          re-resolve the lock from pyproject.toml (needs ``uv`` on PATH)
  binder          write binder/requirements.txt: the part of the lock that the
                  runtime and the ``lab`` extra need (computed from the lock's
                  ``# via`` annotations), hashes kept
  binder --check  exit 1 when binder/requirements.txt is not current
  subset EXTRA..  print the locked requirements for the runtime plus the extras
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements.lock"
BINDER_REQUIREMENTS = ROOT / "binder" / "requirements.txt"
BINDER_EXTRAS = ("lab",)
PROJECT = "ai-threat-workbench"

_NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==")


def canonical(name: str) -> str:
    """PEP 503 normalised project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass
class Entry:
    name: str
    lines: list[str] = field(default_factory=list)
    via: set[str] = field(default_factory=set)


def parse_lock(text: str) -> list[Entry]:
    """Split a pip/uv lock into requirement entries with their ``# via`` parents."""
    entries: list[Entry] = []
    current: Entry | None = None
    in_via = False
    for line in text.splitlines():
        match = _NAME.match(line)
        if match:
            current = Entry(canonical(match.group(1)), [line])
            entries.append(current)
            in_via = False
            continue
        if current is None:
            continue
        stripped = line.strip()
        if stripped.startswith("--hash") or (
            stripped.endswith("\\") and not stripped.startswith("#")
        ):
            current.lines.append(line)
        elif stripped.startswith("# via"):
            rest = stripped[len("# via") :].strip()
            if rest:
                current.via.add(canonical(rest.split(" (")[0]))
                in_via = False
            else:
                in_via = True
        elif in_via and stripped.startswith("#   "):
            current.via.add(canonical(stripped[4:].split(" (")[0].strip()))
        elif stripped.startswith("--hash"):
            current.lines.append(line)
    return entries


def project_roots(extras: tuple[str, ...]) -> set[str]:
    """Names of the project's direct dependencies for the runtime plus *extras*."""
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    specs = list(meta["dependencies"])
    for extra in extras:
        specs += meta["optional-dependencies"][extra]
    return {canonical(re.split(r"[\s<>=!~;\[]", spec, maxsplit=1)[0]) for spec in specs}


def closure(entries: list[Entry], roots: set[str]) -> list[Entry]:
    """The entries needed by *roots*: a package is kept when a kept package needs it."""
    kept = set(roots)
    changed = True
    while changed:
        changed = False
        for entry in entries:
            if entry.name not in kept and entry.via & kept:
                kept.add(entry.name)
                changed = True
    missing = roots - {e.name for e in entries}
    if missing:
        raise SystemExit(
            f"lockfile: {', '.join(sorted(missing))} not in {LOCK.name}; run make lock"
        )
    return [e for e in entries if e.name in kept]


def render_subset(extras: tuple[str, ...], header: str) -> str:
    entries = closure(parse_lock(LOCK.read_text(encoding="utf-8")), project_roots(extras))
    body = "\n".join("\n".join(e.lines) for e in entries)
    return header + body + "\n"


def binder_text() -> str:
    header = (
        "# Generated from requirements.lock by `python scripts/lockfile.py binder`: do not edit.\n"
        "# The runtime dependencies of ai-threat-workbench plus its 'lab' extra, with hashes.\n"
        "# binder/postBuild installs the package itself with `pip install --no-deps .`.\n"
    )
    return render_subset(BINDER_EXTRAS, header)


def cmd_update() -> int:
    cmd = [
        "uv",
        "pip",
        "compile",
        "pyproject.toml",
        "--all-extras",
        "--generate-hashes",
        "--universal",
        "--python-version",
        "3.11",
        "--no-header",
        "-o",
        LOCK.name,
    ]
    return subprocess.call(cmd, cwd=ROOT)


def cmd_binder(check: bool) -> int:
    text = binder_text()
    if check:
        current = (
            BINDER_REQUIREMENTS.read_text(encoding="utf-8") if BINDER_REQUIREMENTS.exists() else ""
        )
        if current != text:
            print("binder/requirements.txt is stale: run `python scripts/lockfile.py binder`")
            return 1
        return 0
    BINDER_REQUIREMENTS.parent.mkdir(exist_ok=True)
    tmp = BINDER_REQUIREMENTS.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(BINDER_REQUIREMENTS)
    print(f"wrote {BINDER_REQUIREMENTS.relative_to(ROOT)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("update")
    binder = sub.add_parser("binder")
    binder.add_argument("--check", action="store_true")
    subset = sub.add_parser("subset")
    subset.add_argument("extras", nargs="*")
    args = parser.parse_args(argv)
    if args.command == "update":
        return cmd_update()
    if args.command == "binder":
        return cmd_binder(args.check)
    sys.stdout.write(render_subset(tuple(args.extras), ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())

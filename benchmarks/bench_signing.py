"""Cost of signed decision logs: verifying signatures, signing on append, --git.

For logs of N records (default 1,000, 10,000 and 50,000), built signed and
unsigned, it prints the median time of

* ``verify`` (chain and record shape; with signatures when signed), the first
  time in a process (later checks of the same records are remembered),
* ``record_signatures`` (who signed each record, against a keyring of 10 keys),
  once more, as the workbench does on a refresh,
* one more append (``append_note``), which re-reads and checks the log first,

as process CPU time (the clock the targets are judged by),
and, with ``--git COMMITS``, ``check_git_history`` over that many commits of a
growing log.

and the cost of signing one record. Targets: verifying 10,000 signed records
takes under 2 s; signing a record takes under 5 ms. (Signed lines are longer, so
the check of the log that every append makes first takes longer too.)

Run: python benchmarks/bench_signing.py [--sizes 1000 10000] [--repeat 3] [--git 50]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workbench.risk import signing
from workbench.risk.anchors import check_git_history
from workbench.risk.decisions import ZERO_HASH, DecisionLog, _canonical, _hash, verify
from workbench.risk.signing import Keyring, SigningKey, generate_key, record_signatures

STAMP = "2026-11-25T12:00:00+00:00"


def build(path: Path, n: int, key: SigningKey | None) -> None:
    """Write a log of *n* notes directly (appending one by one re-checks the log each time)."""
    prev, lines = ZERO_HASH, []
    for seq in range(1, n + 1):
        rec = {"seq": seq, "type": "note", "prev": prev, "recorded_at": STAMP, "by": "bench",
               "text": f"note {seq}"}
        if key is not None:
            rec["sig"] = key.sign(rec)
        line = _canonical(rec)
        lines.append(line)
        prev = _hash(line)
    path.write_bytes(b"".join(line + b"\n" for line in lines))


def first(fn) -> float:
    """Process CPU time of one call of *fn*, with the signature memo empty."""
    signing._checked.clear()
    t = time.process_time()
    fn()
    return time.process_time() - t


def median(fn, repeat: int) -> float:
    """Median process CPU time of *fn* (steadier than wall clock on a shared machine)."""
    times = []
    for _ in range(repeat):
        t = time.process_time()
        fn()
        times.append(time.process_time() - t)
    return statistics.median(times)


def bench_git(tmp: Path, commits: int, key: SigningKey) -> float:
    repo = tmp / "repo"
    repo.mkdir()
    env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@example.org",
           "GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@example.org"}

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)

    git("init", "-q")
    log = DecisionLog(repo / "decisions.jsonl", signer=key)
    for i in range(commits):
        for j in range(5):
            log.append_note(f"commit {i} note {j}", by="bench", recorded_at=STAMP)
        git("add", "decisions.jsonl")
        git("commit", "-q", "-m", f"c{i}")
    t = time.perf_counter()
    result = check_git_history(repo / "decisions.jsonl")
    elapsed = time.perf_counter() - t  # wall clock: most of the work is in git processes
    assert result.ok and result.versions == commits
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--git", type=int, default=0, metavar="COMMITS")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        keydir = tmp / "keys"
        keydir.mkdir()
        key = generate_key(keydir / "bench")
        ring = Keyring()
        for i in range(9):
            ring.add(f"person {i}", generate_key(keydir / f"k{i}").openssh())
        ring.add("bench", key.openssh())
        rec = {"seq": 1, "type": "note", "prev": ZERO_HASH, "recorded_at": STAMP, "by": "b",
               "text": "x" * 200}
        # seconds for 1,000 signatures = milliseconds for one
        sign_ms = median(lambda: [key.sign(rec) for _ in range(1000)], args.repeat)
        print(f"signing one record: {sign_ms:.3f} ms")
        print(f"{'records':>8} {'log':>9} {'verify s':>9} {'again s':>8} {'append ms':>10}"
              f" {'verify us/rec':>14}")
        for n in args.sizes:
            for label, signer in (("unsigned", None), ("signed", key)):
                path = tmp / f"{label}-{n}.jsonl"
                build(path, n, signer)
                verified = first(lambda p=path: verify(p))
                assert verify(path).ok
                who = median(lambda p=path: record_signatures(p, ring), args.repeat)
                log = DecisionLog(path, signer=signer)

                def append(log: DecisionLog = log) -> None:
                    log.append_note("one more", by="bench", recorded_at=STAMP)

                appended = median(append, args.repeat)
                print(f"{n:>8} {label:>9} {verified:>9.3f} {who:>8.3f} {appended * 1000:>10.2f}"
                      f" {verified / n * 1e6:>14.1f}")
        if args.git:
            if shutil.which("git") is None:
                print("git is not installed: --git skipped")
            else:
                elapsed = bench_git(tmp, args.git, key)
                print(f"check_git_history over {args.git} commits: {elapsed:.3f} s wall clock")
    print("targets (CPU time): verify 10,000 signed records in under 2 s; signing one record "
          "in under 5 ms")


if __name__ == "__main__":
    main()

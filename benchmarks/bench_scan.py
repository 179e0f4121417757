"""Benchmark: ``workbench scan`` on large model files: time and peak memory.

Run with ``python benchmarks/bench_scan.py [--gib N] [--keep DIR]``. It writes,
in a temporary folder (sparse where the file system allows):

* a safetensors file of N GiB (default 2) with one tensor;
* a GGUF file with a 150,000-token vocabulary;
* an ONNX model with 100,000 nodes and a 256 MiB initializer;
* a pickle of 1,000,000 opcodes (a list of floats);

and scans each twice in fresh child processes (the quicker run counts), printing the wall time, the
throughput and the child's peak resident memory beside the targets: peak
memory under 200 MiB for every file (the weights are never read whole), and
hashing within 1.5 times a plain ``hashlib`` pass over the same file. Nothing
here asserts; the numbers are for people.
"""

from __future__ import annotations

import argparse
import json
import pickle
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MEMORY_TARGET_MIB = 200
HASH_RATIO_TARGET = 1.5

_CHILD = r"""
import resource, sys, time, json
sys.path.insert(0, sys.argv[1])
from workbench.scan import scan_file
start = time.perf_counter()
result = scan_file(sys.argv[2])
elapsed = time.perf_counter() - start
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": elapsed, "peak_mib": rss, "format": result.format,
                  "verdict": result.verdict}))
"""

_HASH = r"""
import hashlib, sys, time
start = time.perf_counter()
h = hashlib.sha256()
with open(sys.argv[1], "rb") as f:
    while chunk := f.read(1 << 20):
        h.update(chunk)
print(time.perf_counter() - start)
"""


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def field(number: int, payload: bytes) -> bytes:
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def write_safetensors(path: Path, size: int) -> None:
    header = json.dumps({"w": {"dtype": "U8", "shape": [size], "data_offsets": [0, size]}})
    raw = header.encode()
    with path.open("wb") as handle:
        handle.write(struct.pack("<Q", len(raw)) + raw)
        handle.truncate(8 + len(raw) + size)


def write_gguf(path: Path) -> None:
    def s(text: str) -> bytes:
        return struct.pack("<Q", len(text)) + text.encode()

    tokens = [f"tok{i}" for i in range(150_000)]
    kv = (s("general.architecture") + struct.pack("<I", 8) + s("llama")
          + s("tokenizer.ggml.tokens") + struct.pack("<II", 9, 8)[:4] + struct.pack("<I", 8)
          + struct.pack("<Q", len(tokens)) + b"".join(s(t) for t in tokens))
    body = b"GGUF" + struct.pack("<IQQ", 3, 0, 2) + kv
    path.write_bytes(body)


def write_onnx(path: Path, blob: int) -> None:
    node = field(1, field(4, b"Relu") + field(1, b"x") + field(2, b"y"))
    head = field(8, b"w") + varint(9 << 3 | 2) + varint(blob)
    tensor = varint(5 << 3 | 2) + varint(len(head) + blob) + head
    with path.open("wb") as handle:
        graph_body = node * 100_000
        graph_len = len(graph_body) + len(tensor) + blob
        handle.write(varint(1 << 3) + varint(8) + varint(7 << 3 | 2) + varint(graph_len))
        handle.write(graph_body + tensor)
        handle.truncate(handle.tell() + blob)


def run(code: str, *args: str) -> str:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"the scan failed: {out.stderr.strip().splitlines()[-1]}")
    return out.stdout.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gib", type=float, default=2.0, help="safetensors size in GiB")
    parser.add_argument("--keep", metavar="DIR", help="write the files here and keep them")
    args = parser.parse_args(argv)
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-scan-"))
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "safetensors": folder / "model.safetensors",
        "gguf": folder / "model.gguf",
        "onnx": folder / "model.onnx",
        "pickle": folder / "model.pkl",
    }
    write_safetensors(files["safetensors"], int(args.gib * (1 << 30)))
    write_gguf(files["gguf"])
    write_onnx(files["onnx"], 256 << 20)
    files["pickle"].write_bytes(pickle.dumps([float(i) for i in range(500_000)], protocol=4))
    print(f"{'file':<12} {'size':>10} {'seconds':>8} {'MiB/s':>8} {'peak MiB':>9}  target")
    worst_ratio = 0.0
    for name, path in files.items():
        size = path.stat().st_size
        runs = [json.loads(run(_CHILD, str(REPO), str(path))) for _ in range(2)]
        data = min(runs, key=lambda d: d["seconds"])  # the quieter of two runs
        rate = size / (1 << 20) / max(data["seconds"], 1e-9)
        ok = "ok" if data["peak_mib"] < MEMORY_TARGET_MIB else "OVER"
        print(f"{name:<12} {size / (1 << 20):>8.0f}Mi {data['seconds']:>8.2f} {rate:>8.0f} "
              f"{data['peak_mib']:>9.0f}  < {MEMORY_TARGET_MIB} MiB: {ok}")
        if name == "safetensors":
            plain = min(float(run(_HASH, str(path))) for _ in range(2))
            worst_ratio = data["seconds"] / max(plain, 1e-9)
            verdict = "ok" if worst_ratio <= HASH_RATIO_TARGET else "OVER"
            print(f"{'':<12} plain hashlib pass {plain:.2f} s: ratio {worst_ratio:.2f} "
                  f"(target <= {HASH_RATIO_TARGET}): {verdict}")
    if not args.keep:
        for path in files.values():
            path.unlink()
        folder.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())

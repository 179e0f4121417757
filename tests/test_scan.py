"""Model-file scanning: every format read from small files made here, never loaded."""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import shutil
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from workbench.cli import main
from workbench.scan import LIMITS, Refused, scan_file, scan_paths

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "scan"

# -- builders ----------------------------------------------------------------------

#: os.system("true") written opcode by opcode (protocol 2: GLOBAL, BINUNICODE, TUPLE1, REDUCE).
OS_SYSTEM = b"\x80\x02cos\nsystem\nX\x04\x00\x00\x00true\x85R."
#: builtins.exec("print(1)") with protocol 4 opcodes (SHORT_BINUNICODE, MEMOIZE, STACK_GLOBAL).
BUILTINS_EXEC = (
    b"\x80\x04\x8c\x08builtins\x94\x8c\x04exec\x94\x93\x94\x8c\x08print(1)\x94\x85\x94R\x94."
)
#: An OrderedDict and a tensor rebuild, as PyTorch's data.pkl imports them.
TORCH_PICKLE = (
    b"\x80\x02ccollections\nOrderedDict\n)R"
    b"ctorch._utils\n_rebuild_tensor_v2\n0."
)


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def pb_len(number: int, payload: bytes) -> bytes:
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def pb_int(number: int, value: int) -> bytes:
    return varint(number << 3) + varint(value)


def onnx_model(*, custom_domain: str | None = None, external: str | None = None) -> bytes:
    relu = pb_len(1, b"x") + pb_len(2, b"y") + pb_len(4, b"Relu")
    nodes = pb_len(1, relu)
    inner = pb_len(1, pb_len(4, b"Add"))  # a subgraph, as If and Loop carry them
    nodes += pb_len(1, pb_len(4, b"If") + pb_len(5, pb_len(1, b"then") + pb_len(6, inner)))
    if custom_domain:
        nodes += pb_len(1, pb_len(4, b"Steal") + pb_len(7, custom_domain.encode()))
    tensor = pb_int(1, 4) + pb_int(2, 1) + pb_len(8, b"w") + pb_len(9, bytes(16))
    if external:
        tensor += pb_len(13, pb_len(1, b"location") + pb_len(2, external.encode()))
        tensor += pb_int(14, 1)
    graph = nodes + pb_len(2, b"main") + pb_len(5, tensor)
    return (
        pb_int(1, 8) + pb_len(2, b"pytorch") + pb_len(3, b"2.3.0") + pb_len(7, graph)
        + pb_len(8, pb_len(1, b"") + pb_int(2, 17))
        + pb_len(14, pb_len(1, b"author") + pb_len(2, b"team"))
    )


def saved_model_pb(*ops: str) -> bytes:
    nodes = b"".join(pb_len(1, pb_len(1, f"n{i}".encode()) + pb_len(2, op.encode()))
                     for i, op in enumerate(ops))
    function = pb_len(1, pb_len(3, pb_len(2, b"Identity")))
    meta_info = pb_len(4, b"serve") + pb_len(5, b"2.15.0")
    meta_graph = pb_len(1, meta_info) + pb_len(2, nodes + pb_len(2, function))
    return pb_int(1, 1) + pb_len(2, meta_graph)


def safetensors_bytes(*, metadata: bool = True) -> bytes:
    header: dict = {
        "embed": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]},
        "bias": {"dtype": "F16", "shape": [4], "data_offsets": [24, 32]},
    }
    if metadata:
        header["__metadata__"] = {"format": "pt"}
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + bytes(32)


def gguf_string(text: str) -> bytes:
    raw = text.encode()
    return struct.pack("<Q", len(raw)) + raw


def gguf_bytes(*, template: str = "{{ messages[0].content }}", truncate: bool = False) -> bytes:
    kvs = [
        gguf_string("general.architecture") + struct.pack("<I", 8) + gguf_string("llama"),
        gguf_string("general.name") + struct.pack("<I", 8) + gguf_string("Tiny"),
        gguf_string("general.organization") + struct.pack("<I", 8) + gguf_string("Acme Labs"),
        gguf_string("general.license") + struct.pack("<I", 8) + gguf_string("mit"),
        gguf_string("llama.context_length") + struct.pack("<I", 4) + struct.pack("<I", 2048),
        gguf_string("tokenizer.ggml.tokens") + struct.pack("<I", 9) + struct.pack("<I", 8)
        + struct.pack("<Q", 3) + b"".join(gguf_string(t) for t in ("<s>", "a", "b")),
        gguf_string("tokenizer.ggml.scores") + struct.pack("<I", 9) + struct.pack("<I", 6)
        + struct.pack("<Q", 3) + struct.pack("<3f", 0.0, 1.0, 2.0),
        gguf_string("tokenizer.chat_template") + struct.pack("<I", 8) + gguf_string(template),
    ]
    tensor = gguf_string("tok_embd") + struct.pack("<I", 2) + struct.pack("<QQ", 4, 4)
    tensor += struct.pack("<I", 0) + struct.pack("<Q", 0)
    body = b"GGUF" + struct.pack("<IQQ", 3, 1, len(kvs)) + b"".join(kvs) + tensor
    body += bytes(-len(body) % 32)
    return body + (b"" if truncate else bytes(64))


def keras_archive(path: Path) -> Path:
    config = {
        "module": "keras", "class_name": "Sequential",
        "config": {"name": "seq", "layers": [
            {"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense"}},
            {"module": "keras.layers", "class_name": "Lambda", "config": {
                "name": "scale",
                "function": {"class_name": "__lambda__", "config": {
                    "code": "4wEAAAAAAAAAAAAAAAEAAAADAAAAQwAAAHMIAAAAfABkARQAUwA=",
                    "defaults": None, "closure": None}},
            }},
            {"module": "my_company.layers", "class_name": "Gate",
             "registered_name": "Custom>Gate", "config": {"name": "gate"}},
        ]},
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("config.json", json.dumps(config))
        archive.writestr("metadata.json", json.dumps({"keras_version": "3.3.3"}))
        archive.writestr("model.weights.h5", b"\x89HDF\r\n\x1a\n" + bytes(64))
    return path


def torch_archive(path: Path, pickle_bytes: bytes = TORCH_PICKLE) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", pickle_bytes)
        archive.writestr("archive/data/0", bytes(64))
        archive.writestr("archive/version", b"3\n")
    return path


class Marker:
    """Pickles to os.system("touch MARKER"): loading it would create the file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- pickles -----------------------------------------------------------------------


def test_benign_pickle_is_safe_with_size_and_hash(tmp_path):
    data = pickle.dumps({"weights": [0.5, 1.5], "labels": ("a", "b")}, protocol=4)
    (tmp_path / "model.pkl").write_bytes(data)
    result = scan_file(tmp_path / "model.pkl")
    assert (result.format, result.serialization, result.verdict) == ("pickle", "pickle", "safe")
    assert result.size == len(data)
    assert result.sha256 == sha(data)
    assert result.calls == []


def test_pickle_calling_os_system_is_dangerous_and_named(tmp_path):
    (tmp_path / "model.pkl").write_bytes(OS_SYSTEM)
    result = scan_file(tmp_path / "model.pkl")
    assert result.verdict == "dangerous"
    assert [(c.what, c.safety) for c in result.calls] == [("os.system", "dangerous")]


def test_pickle_calling_builtins_exec_through_stack_global(tmp_path):
    (tmp_path / "model.pkl").write_bytes(BUILTINS_EXEC)
    result = scan_file(tmp_path / "model.pkl")
    assert ("builtins.exec", "dangerous") in [(c.what, c.safety) for c in result.calls]


def test_scanning_never_runs_the_pickle(tmp_path):
    marker = tmp_path / "ran"
    (tmp_path / "model.pkl").write_bytes(pickle.dumps(Marker(marker)))
    result = scan_file(tmp_path / "model.pkl")
    assert result.verdict == "dangerous"
    assert not marker.exists()


def test_unknown_import_is_suspicious(tmp_path):
    (tmp_path / "model.pkl").write_bytes(b"\x80\x02cmy_company.features\nScaler\n)R.")
    result = scan_file(tmp_path / "model.pkl")
    assert result.verdict == "suspicious"
    assert result.calls[0].what == "my_company.features.Scaler"


def test_pytorch_zip_archive_pickle_is_judged_per_entry(tmp_path):
    safe = scan_file(torch_archive(tmp_path / "safe.pt"))
    assert (safe.format, safe.serialization, safe.verdict) == ("torch_zip", "torch_pickle",
                                                               "safe")
    assert {c.what for c in safe.calls} == {"collections.OrderedDict",
                                            "torch._utils._rebuild_tensor_v2"}
    assert safe.details["pickles"] == 1
    bad = scan_file(torch_archive(tmp_path / "bad.bin", OS_SYSTEM))
    assert bad.verdict == "dangerous"
    assert bad.calls[0].text() == "archive/data.pkl: os.system"


def test_legacy_pytorch_file_and_compressed_joblib(tmp_path):
    legacy = tmp_path / "old.pth"
    legacy.write_bytes(pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2) + TORCH_PICKLE
                       + bytes(40))
    result = scan_file(legacy)
    assert (result.format, result.verdict) == ("torch_legacy", "safe")
    packed = tmp_path / "model.joblib"
    packed.write_bytes(zlib.compress(OS_SYSTEM))
    result = scan_file(packed)
    assert (result.format, result.serialization) == ("joblib", "joblib")
    assert result.details["compression"] == "zlib"
    assert result.verdict == "dangerous"


# -- other formats -----------------------------------------------------------------


def test_safetensors_header_is_read(tmp_path):
    data = safetensors_bytes()
    (tmp_path / "model.safetensors").write_bytes(data)
    result = scan_file(tmp_path / "model.safetensors")
    assert (result.format, result.serialization, result.verdict) == (
        "safetensors", "safetensors", "safe")
    assert result.details["tensors"] == 2
    assert result.details["parameters"] == 10
    assert result.details["dtypes"] == {"F16": 1, "F32": 1}
    assert result.details["metadata"] == {"format": "pt"}
    assert result.sha256 == sha(data)


def test_onnx_operators_opsets_and_subgraphs(tmp_path):
    (tmp_path / "model.onnx").write_bytes(onnx_model())
    result = scan_file(tmp_path / "model.onnx")
    assert (result.format, result.serialization, result.verdict) == ("onnx", "onnx", "safe")
    assert result.details["ir_version"] == 8
    assert result.details["producer_name"] == "pytorch"
    assert result.details["opset_import"] == {"ai.onnx": 17}
    assert result.details["operators"] == ["Add", "If", "Relu"]  # Add sits in a subgraph
    assert result.details["metadata"] == {"author": "team"}


def test_onnx_custom_domain_and_escaping_external_data(tmp_path):
    (tmp_path / "model.onnx").write_bytes(
        onnx_model(custom_domain="com.example.ops", external="../../etc/passwd"))
    result = scan_file(tmp_path / "model.onnx")
    assert result.verdict == "dangerous"
    safeties = {c.safety: c.what for c in result.calls}
    assert "com.example.ops" in safeties["suspicious"]
    assert "../../etc/passwd" in safeties["dangerous"]


def test_keras_archive_with_lambda_layer(tmp_path):
    result = scan_file(keras_archive(tmp_path / "model.keras"))
    assert (result.format, result.serialization, result.verdict) == ("keras", "keras",
                                                                    "dangerous")
    assert result.details["keras_version"] == "3.3.3"
    texts = [(c.safety, c.text()) for c in result.calls]
    assert ("dangerous", "config.json: Lambda layer 'scale': serialized Python code that runs "
            "when the model is loaded") in texts
    assert any(s == "suspicious" and "Custom>Gate" in t for s, t in texts)


@pytest.mark.parametrize("name", ["keras2.h5", "vlen.h5", "latest.h5"])
def test_keras_h5_written_by_hdf5_has_its_lambda_found(name):
    result = scan_file(FIXTURES / name)
    assert (result.format, result.serialization) == ("keras_h5", "keras")
    assert result.details["class_name"] == "Sequential"
    assert result.verdict == "dangerous"
    assert [c.text() for c in result.calls] == [
        "model_config: Lambda layer 'lambda_1': serialized Python code that runs when the "
        "model is loaded"]
    if name == "keras2.h5":
        assert result.details["keras_version"] == "2.15.0"


def test_hdf5_without_model_config_cannot_tell(tmp_path):
    data = bytearray((FIXTURES / "keras2.h5").read_bytes())
    start = data.index(b"model_config")
    data[start : start + 12] = b"other_config"
    (tmp_path / "weights.h5").write_bytes(bytes(data))
    result = scan_file(tmp_path / "weights.h5")
    assert result.verdict is None
    assert any("model_config" in n for n in result.notes)


def test_gguf_header_and_metadata(tmp_path):
    (tmp_path / "model.gguf").write_bytes(gguf_bytes())
    result = scan_file(tmp_path / "model.gguf")
    assert (result.format, result.serialization, result.verdict) == ("gguf", "gguf", "safe")
    assert result.details["gguf_version"] == 3
    assert result.details["tensors"] == 1
    meta = result.details["metadata"]
    assert meta["general.architecture"] == "llama"
    assert meta["general.organization"] == "Acme Labs"
    assert "tokenizer.ggml.tokens" not in meta  # the vocabulary is skipped, not kept
    assert any("chat template" in n for n in result.notes)


def test_gguf_chat_template_reaching_python_internals(tmp_path):
    evil = "{{ ''.__class__.__mro__[1].__subclasses__() }}"
    (tmp_path / "model.gguf").write_bytes(gguf_bytes(template=evil))
    result = scan_file(tmp_path / "model.gguf")
    assert result.verdict == "dangerous"
    assert result.calls[0].where == "tokenizer.chat_template"


def test_saved_model_folder(tmp_path):
    folder = tmp_path / "export"
    (folder / "variables").mkdir(parents=True)
    (folder / "saved_model.pb").write_bytes(saved_model_pb("Placeholder", "MatMul"))
    (folder / "variables" / "variables.index").write_bytes(b"idx")
    report = scan_paths([folder])
    assert report.errors == []
    [result] = report.files
    assert (result.format, result.serialization, result.verdict) == (
        "saved_model", "saved_model", "safe")
    assert result.details["tags"] == ["serve"]
    assert result.details["tensorflow_version"] == ["2.15.0"]
    assert result.details["nodes"] == 3  # two in the graph, one in a function
    assert result.details["variables"] is True
    (folder / "saved_model.pb").write_bytes(saved_model_pb("Placeholder", "ReadFile"))
    [result] = scan_paths([folder]).files
    assert result.verdict == "dangerous"
    assert "ReadFile" in result.calls[0].what


def test_folder_with_config_and_model_card(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps(
        {"architectures": ["BertForSequenceClassification"], "model_type": "bert"}))
    (tmp_path / "README.md").write_text(
        "---\nlicense: apache-2.0\nbase_model: google-bert/bert-base-uncased\n"
        "datasets:\n  - stanfordnlp/imdb\nmodel_creator: Acme Labs\n---\n# Sentiment\n")
    (tmp_path / "model.safetensors").write_bytes(safetensors_bytes())
    (tmp_path / "tokenizer.json").write_text("{}")
    report = scan_paths([tmp_path])
    [info] = report.folders
    assert info.architecture == "BertForSequenceClassification"
    assert info.model_type == "bert"
    assert info.license == "apache-2.0"
    assert info.base_model == ["google-bert/bert-base-uncased"]
    assert info.datasets == ["stanfordnlp/imdb"]
    assert info.supplier == "Acme Labs"
    assert info.model_card == f"{tmp_path}/README.md"
    assert [f.format for f in report.files] == ["safetensors"]
    assert report.skipped == 3  # config.json, README.md, tokenizer.json


def test_table_and_json_output(tmp_path, capsys):
    (tmp_path / "model.pkl").write_bytes(OS_SYSTEM)
    (tmp_path / "model.safetensors").write_bytes(safetensors_bytes())
    assert main(["scan", str(tmp_path)]) == 1  # a dangerous file: the answer is no
    out = capsys.readouterr().out
    assert "dangerous: os.system" in out
    assert "verdict: dangerous" in out
    assert main(["scan", str(tmp_path / "model.safetensors"), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["verdict"] == "safe"
    assert data["files"][0]["sha256"] == sha(safetensors_bytes())
    assert data["scanner"].startswith("workbench scan")


# -- bad input ---------------------------------------------------------------------


def refused(path: Path) -> str:
    with pytest.raises(Refused) as info:
        scan_file(path)
    return str(info.value)


def test_truncated_files_are_refused(tmp_path):
    cases = {
        "model.safetensors": safetensors_bytes()[:-8],
        "model.gguf": gguf_bytes(truncate=True),
        "model.onnx": onnx_model()[:-5],
        "model.pkl": OS_SYSTEM[:-3],
        "bad.pt": torch_archive(tmp_path / "t.pt").read_bytes()[:40],
        "model.h5": (FIXTURES / "keras2.h5").read_bytes()[:200],
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        message = refused(tmp_path / name)
        assert name in message, message
        assert "truncated" in message or "not a" in message or "damaged" in message, message


def test_oversized_safetensors_header_is_refused(tmp_path):
    path = tmp_path / "model.safetensors"
    path.write_bytes(struct.pack("<Q", 10**12) + b"{}")
    assert "header" in refused(path)


def test_zip_bomb_is_refused(tmp_path):
    path = tmp_path / "bomb.pt"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("archive/data.pkl", b"\x80\x02" + bytes(20 * 1024 * 1024))
    assert path.stat().st_size < 100_000
    assert "zip bomb" in refused(path)


def test_deeply_nested_pickle_is_refused(tmp_path):
    path = tmp_path / "deep.pkl"
    path.write_bytes(b"\x80\x02" + b"]" * (LIMITS.pickle_depth + 10) + b".")
    assert "nests deeper" in refused(path)


def test_symlink_leaving_the_folder_is_refused(tmp_path, capsys):
    outside = tmp_path / "outside.pkl"
    outside.write_bytes(OS_SYSTEM)
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "model.safetensors").write_bytes(safetensors_bytes())
    (folder / "weights.pkl").symlink_to(outside)
    report = scan_paths([folder])
    assert len(report.errors) == 1
    assert "weights.pkl" in report.errors[0] and "leaves the scanned folder" in report.errors[0]
    assert main(["scan", str(folder)]) == 2
    assert "leaves the scanned folder" in capsys.readouterr().err


def test_missing_path_and_unknown_file(tmp_path, capsys):
    assert main(["scan", str(tmp_path / "nope.pkl")]) == 2
    assert "no such file or folder" in capsys.readouterr().err
    (tmp_path / "notes.bin").write_bytes(b"plain text, not weights")
    result = scan_file(tmp_path / "notes.bin")
    assert result.format == "unknown" and result.verdict is None


def test_hashing_reads_in_chunks(tmp_path):
    big = tmp_path / "model.safetensors"
    raw = json.dumps({"t": {"dtype": "U8", "shape": [3 * 1024 * 1024],
                            "data_offsets": [0, 3 * 1024 * 1024]}}).encode()
    with big.open("wb") as handle:
        handle.write(struct.pack("<Q", len(raw)) + raw)
        handle.write(b"\x01" * (3 * 1024 * 1024))
    expected = hashlib.sha256(big.read_bytes()).hexdigest()
    reads: list[int] = []

    class Counting(io.FileIO):
        def read(self, n=-1):
            reads.append(n)
            return super().read(n)

    from workbench.scan._core import CHUNK, sha256_of

    with Counting(big, "rb") as handle:
        assert sha256_of(handle) == expected
    assert reads and max(reads) == CHUNK and -1 not in reads


def test_fixture_folder_is_untouched(tmp_path):
    copy = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, copy)
    before = {p.name: p.read_bytes() for p in copy.iterdir()}
    scan_paths([copy])
    assert {p.name: p.read_bytes() for p in copy.iterdir()} == before


def test_pipes_and_devices_are_refused_not_opened(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    os.mkfifo(folder / "model.pkl")  # opening it for reading would wait forever
    report = scan_paths([folder])
    assert report.files == []
    assert report.errors and "not a regular file" in report.errors[0]


def test_readme_without_front_matter_is_no_model_card(tmp_path):
    (tmp_path / "README.md").write_text("# Project notes\n\nNot a model card.\n")
    (tmp_path / "model.safetensors").write_bytes(safetensors_bytes())
    report = scan_paths([tmp_path])
    assert report.folders == []
    (tmp_path / "README.md").write_text("---\nlicense: [mit\n---\n")
    report = scan_paths([tmp_path])
    assert report.errors and "README.md" in report.errors[0]


def test_legacy_pytorch_file_with_large_storage_after_its_pickles(tmp_path):
    path = tmp_path / "pytorch_model.bin"
    with path.open("wb") as handle:
        handle.write(pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2) + TORCH_PICKLE)
        handle.write(b"\xff" * (3 * 1024 * 1024))  # raw tensor storage, never a pickle
    from workbench.scan import Limits

    result = scan_file(path, limits=Limits(pickle_bytes=1024 * 1024))
    assert (result.format, result.verdict) == ("torch_legacy", "safe")


def test_pickle_holding_too_much_data_is_refused(tmp_path):
    from workbench.scan import Limits

    path = tmp_path / "blob.pkl"
    path.write_bytes(pickle.dumps(bytes(2 * 1024 * 1024), protocol=4))
    with pytest.raises(Refused, match="holds more than"):
        scan_file(path, limits=Limits(pickle_bytes=1024 * 1024))

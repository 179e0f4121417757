"""One-file project archives: download a project from a temporary session, upload it again.

Binder sessions are temporary: the workbench offers the whole project as one
ZIP archive to download, and opens an uploaded archive again. Uploads are
data: only the project's own files are taken (``project.yaml``,
``model.yaml``, ``assessment.yaml``, ``decisions.jsonl``, ``signers.yaml``,
``ratings/*.yaml``),
names are checked (no absolute paths, no ``..``), sizes are limited, and the
unpacked project must open and verify before it replaces anything.
"""

from __future__ import annotations

import io
import re
import shutil
import tempfile
import zipfile
from pathlib import Path

from workbench._atomic import atomic_write_bytes
from workbench.errors import InputError, ProjectError

__all__ = ["pack_project", "unpack_project"]

ALLOWED = re.compile(
    r"^(project\.yaml|model\.yaml|assessment\.yaml|decisions\.jsonl|signers\.yaml"
    r"|ratings/[a-z0-9-]+\.yaml)$"
)
MAX_MEMBER = 50_000_000
MAX_TOTAL = 200_000_000
_FIXED_TIME = (2020, 1, 1, 0, 0, 0)  # deterministic archives


def pack_project(project_dir: str | Path) -> bytes:
    """The project's files as a ZIP archive (deterministic: sorted, fixed times)."""
    root = Path(project_dir)
    if not (root / "project.yaml").is_file():
        raise ProjectError(f"{root}: not a project (no project.yaml)")
    names = [p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(n for n in names if ALLOWED.match(n)):
            info = zipfile.ZipInfo(f"{root.name}/{name}", date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, (root / name).read_bytes())
    return buf.getvalue()


def unpack_project(data: bytes, destination: str | Path, *, replace: bool = False) -> Path:
    """Unpack an archive made by :func:`pack_project` into *destination*.

    The archive is checked and the project opened and verified in a temporary
    folder first; *destination* is only written when that succeeded (and, if it
    already holds a project, only with ``replace=True``).
    """
    from workbench.project import Project

    target = Path(destination)
    if target.exists() and any(target.iterdir()) and not replace:
        raise ProjectError(f"{target}: not empty; choose a new folder or pass replace=True")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise InputError("the upload is not a ZIP archive of a project") from None
    members = [i for i in zf.infolist() if not i.is_dir()]
    if not members:
        raise InputError("the archive is empty")
    prefixes = {m.filename.split("/", 1)[0] for m in members}
    strip = (
        prefixes.pop() + "/"
        if len(prefixes) == 1 and all("/" in m.filename for m in members)
        else ""
    )
    total = 0
    files: dict[str, bytes] = {}
    for m in members:
        name = m.filename[len(strip) :] if strip else m.filename
        if name.startswith("/") or ".." in name.split("/") or "\\" in name:
            raise InputError(f"the archive holds an unsafe path: {m.filename!r}")
        if not ALLOWED.match(name):
            continue  # not a project file: ignored
        if m.file_size > MAX_MEMBER:
            raise InputError(f"{m.filename}: too large ({m.file_size:,} bytes)")
        total += m.file_size
        if total > MAX_TOTAL:
            raise InputError("the archive is too large")
        content = zf.read(m)
        if len(content) > MAX_MEMBER:
            raise InputError(f"{m.filename}: too large")
        files[name] = content
    if "project.yaml" not in files or "model.yaml" not in files:
        raise InputError("the archive holds no project (project.yaml and model.yaml are needed)")
    with tempfile.TemporaryDirectory(prefix="wb-upload-") as tmp:
        staging = Path(tmp) / "project"
        for name, content in files.items():
            atomic_write_bytes(staging / name, content)
        project = Project.open(staging)
        problems = [n for n in project.notices if n.startswith("decision log")]
        if problems:
            raise InputError(f"the uploaded project's {problems[0]}")
        if target.exists() and replace:
            backup = target.with_name(target.name + ".before-upload")
            if backup.exists():
                shutil.rmtree(backup)
            target.rename(backup)
        shutil.copytree(staging, target, dirs_exist_ok=True)
    return target

"""The notebooks' working folder: made once, ignored by git, a project started over."""

from __future__ import annotations

from pathlib import Path

from workbench.project import Project, notebook_work


def test_working_folder_is_made_and_ignored_by_git(tmp_path: Path) -> None:
    work = notebook_work(tmp_path / "work")
    assert work.is_dir()
    assert (work / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"
    (work / ".gitignore").write_text("mine\n", encoding="utf-8")
    notebook_work(work)  # a second run keeps what is there
    assert (work / ".gitignore").read_text(encoding="utf-8") == "mine\n"


def test_fresh_starts_an_earlier_project_over_and_leaves_other_folders(tmp_path: Path) -> None:
    work = tmp_path / "work"
    first = notebook_work(work, fresh="p")
    Project.create(first, template="support-assistant")
    again = notebook_work(work, fresh="p")
    assert again == first and not again.exists()
    Project.create(again, template="support-assistant")  # a second run creates it again

    other = work / "notes"
    other.mkdir()
    (other / "keep.txt").write_text("x", encoding="utf-8")
    assert notebook_work(work, fresh="notes") == other
    assert (other / "keep.txt").is_file()  # not a project: never removed

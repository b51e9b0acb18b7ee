"""Every option that names a place to write says what is in the way, and why, in one line
before TensorFlow is imported: one helper (console.argument_types.folder_problem) serves
--save, --tflite, --export, --logdir and --out-dir alike."""

import os

import pytest
from conftest import PROSE, one_line, run_script, without_package

from console.argument_types import file_problem, folder_problem

#: (script, option, the name it is given inside the folder under test)
PATH_OPTIONS = [
    ("ann_keras.py", "--save", "x.keras"),
    ("ann_keras.py", "--tflite", "x.tflite"),
    ("ann_keras.py", "--export", "model"),
    ("ann_keras.py", "--logdir", "logs"),
    ("ann_tensorflow.py", "--logdir", "logs"),
    ("plot_tensorflow_results.py", "--out-dir", "figures"),
    ("explore.py", "--out", "x.html"),
]


def refusal(tmp_path, script, option, path):
    """The one line ``script`` refuses ``option path`` with (exit 2, without TensorFlow)."""
    iterations = [] if script == "plot_tensorflow_results.py" else ["10"]
    done = run_script(
        script,
        *iterations,
        option,
        str(path),
        env=without_package(tmp_path, "tensorflow"),
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    return one_line(done.stderr)


@pytest.mark.parametrize("below", ["", "sub"])
@pytest.mark.parametrize("script, option, name", PATH_OPTIONS)
def test_a_file_where_a_folder_must_be_is_named_as_not_a_folder(
    tmp_path, script, option, name, below
):
    afile = tmp_path / "afile"
    afile.write_text("a regular file")
    path = afile / below / name if below else afile / name
    line = refusal(tmp_path, script, option, path)
    assert line.endswith(f"{path}: {afile} is not a folder"), line
    assert f"argument {option}: cannot " in line
    assert "does not exist" not in line
    assert afile.read_text() == "a regular file"


@pytest.mark.parametrize("script, option, name", PATH_OPTIONS)
def test_a_folder_that_makes_no_files_is_not_said_to_be_missing(tmp_path, script, option, name):
    # /proc is there: "No such file or directory", what it answers a new file
    # with, is not the reason; root passes os.access there, so it is tried
    line = refusal(tmp_path, script, option, f"/proc/{name}")
    assert f"/proc/{name}: /proc cannot be written (" in line
    assert "No such file" not in line


@pytest.mark.parametrize("script, option, name", PATH_OPTIONS[:3])
def test_a_missing_folder_is_named_where_nothing_creates_it(tmp_path, script, option, name):
    # --save, --tflite and --export write into a folder that is there
    path = tmp_path / "none" / name
    line = refusal(tmp_path, script, option, path)
    assert line.endswith(f"cannot write {path}: the folder {tmp_path / 'none'} does not exist")
    assert not (tmp_path / "none").exists()


@pytest.mark.parametrize("script, option, name", PATH_OPTIONS[:2])
def test_a_folder_where_a_file_goes_is_named_as_a_folder(tmp_path, script, option, name):
    (tmp_path / name).mkdir()
    line = refusal(tmp_path, script, option, tmp_path / name)
    assert line.endswith(f"argument {option}: cannot write {tmp_path / name}: it is a folder")


def test_the_helper_names_the_path_as_the_command_line_spells_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "afile").write_text("")
    (tmp_path / "out" / "x.keras").mkdir()
    assert folder_problem("out") is None
    assert folder_problem("out/afile") == "out/afile is not a folder"
    assert folder_problem("out/afile/sub/deeper", created=True) == "out/afile is not a folder"
    assert folder_problem("out/new") == "the folder out/new does not exist"
    assert folder_problem("out/new/deeper", created=True) is None  # made when written
    assert file_problem("out/afile/x.keras") == "out/afile is not a folder"
    assert file_problem("out/x.keras") == "it is a folder"
    assert file_problem("m.keras") is None
    # docs/when-things-go-wrong.md shows the first two as the code words them
    assert f"`cannot write out/afile/x.keras: {file_problem('out/afile/x.keras')}`" in PROSE
    assert f"`{folder_problem('out/new')}`" in PROSE
    assert f"`cannot write out/x.keras: {file_problem('out/x.keras')}`" in PROSE
    assert sorted(os.listdir(tmp_path / "out")) == ["afile", "x.keras"]  # nothing left behind

"""Exports others can read, versions TF Serving can parse, no debris from crashed exports."""

import fcntl
import os
import stat
import time

import pytest

from keraslab.core.export.serving import MAX_VERSION

TINY = ["foundations", "train", "mlp", "--epochs", "1", "--synthetic", "--set", "train.batch_size=32"]


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    from click.testing import CliRunner

    from keraslab.core.registry import Registry
    from keraslab.entrypoints.cli import cli

    path = tmp_path_factory.mktemp("run") / "run"
    result = CliRunner().invoke(cli, [*TINY, "--run-dir", str(path)], obj=Registry())
    assert result.exit_code == 0, result.output
    return path


def export(cli_runner, run, out, *extra):
    return cli_runner("foundations", "export", str(run), "--out", str(out), "--name", "m", *extra)


def test_a_version_is_readable_by_other_users(cli_runner, finished_run, tmp_path):
    previous = os.umask(0o022)
    try:
        result = export(cli_runner, finished_run, tmp_path)
    finally:
        os.umask(previous)
    assert result.exit_code == 0, result.output
    version = tmp_path / "m" / "1"
    modes = {
        path.relative_to(version).as_posix(): stat.S_IMODE(path.stat().st_mode)
        for path in [version, *version.rglob("*")]
    }
    assert modes["."] == 0o755 and modes["variables"] == 0o755
    assert modes["saved_model.pb"] == 0o644 and modes["assets.extra/keraslab.json"] == 0o644
    assert all(mode in (0o755, 0o644) for mode in modes.values()), modes


@pytest.mark.parametrize("version", [0, MAX_VERSION + 1, 10**400])
def test_a_version_outside_int64_is_refused(cli_runner, finished_run, tmp_path, version):
    result = export(cli_runner, finished_run, tmp_path, "--version", str(version))
    assert result.exit_code == 2, result.output
    assert f"--version must be an integer from 1 to {MAX_VERSION}" in result.output
    assert not (tmp_path / "m").exists() or not any((tmp_path / "m").iterdir())


def test_the_highest_version_is_taken_but_never_passed(cli_runner, finished_run, tmp_path):
    (tmp_path / "m" / str(10**30)).mkdir(parents=True)  # beyond int64: TF Serving ignores it, so do we
    assert export(cli_runner, finished_run, tmp_path).exit_code == 0
    assert (tmp_path / "m" / "1").is_dir()
    assert export(cli_runner, finished_run, tmp_path, "--version", str(MAX_VERSION)).exit_code == 0
    refused = export(cli_runner, finished_run, tmp_path)
    assert refused.exit_code == 2 and "already holds the highest version" in refused.output


def test_debris_of_crashed_exports_is_removed_and_a_running_export_left_alone(cli_runner, finished_run, tmp_path):
    root = tmp_path / "m"
    root.mkdir()

    def partial(name, lock=True):
        (root / name).mkdir()
        (root / name / "saved_model.pb").write_bytes(b"half")
        if lock:
            (root / f"{name}.lock").write_text("")

    partial(".3.partial-crashed")  # its exporter died: the lock file is there, unlocked
    partial(".4.partial-running")  # another export in progress: its lock is held
    partial(".5.partial-legacy-old", lock=False)
    partial(".6.partial-legacy-new", lock=False)
    hour_ago = time.time() - 2 * 3600
    os.utime(root / ".5.partial-legacy-old", (hour_ago, hour_ago))
    with open(root / ".4.partial-running.lock") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        result = export(cli_runner, finished_run, tmp_path)
    assert result.exit_code == 0, result.output
    left = sorted(p.name for p in root.iterdir())
    assert left == [".4.partial-running", ".4.partial-running.lock", ".6.partial-legacy-new", "1"]

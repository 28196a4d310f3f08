"""Making a finished agent run look killed just after one of its checkpoints (for the resume tests)."""


def without_time(record):
    return {key: value for key, value in record.items() if key != "seconds"}


def cut_back_to(run, keep_steps: int) -> None:
    """Makes `run` look killed just after its checkpoint at `keep_steps`:
    later checkpoints gone, the summary gone, the history left in place
    (the resume must replace what comes after the checkpoint)."""
    for path in run.checkpoints.glob("ckpt-*"):
        if int(path.name.split(".")[0].split("-")[1]) > keep_steps:
            path.unlink()
    (run.checkpoints / "checkpoint").write_text(f'model_checkpoint_path: "ckpt-{keep_steps}"\n')
    (run.path / "summary.json").unlink()
    run.mark("interrupted")

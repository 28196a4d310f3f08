"""The CLI in a process that is stopped at an exact point of its training.

    python -m tests.fault_process kill-at-batch N -- <keraslab arguments>
    python -m tests.fault_process kill-before-checkpoint EPOCH -- <keraslab arguments>
    python -m tests.fault_process pause-at-epoch EPOCH -- <keraslab arguments>

A test that sends a signal when it sees the n-th epoch in `metrics.jsonl`
races the training: on a fast machine the run is past that point, or done,
before the signal lands; on a loaded one it is not there yet. Here the
process stops itself, at a point chosen by the test, whatever the machine's
speed:

* `kill-at-batch N`: SIGKILL right after the N-th training-batch callback
  (Keras calls it once per `steps_per_execution` steps), inside an epoch;
* `kill-before-checkpoint EPOCH`: SIGKILL after epoch EPOCH's metrics line is
  written and before its checkpoint is saved;
* `pause-at-epoch EPOCH`: after epoch EPOCH's callbacks, print `PAUSED` on
  a line of its own and wait there until a SIGTERM or SIGINT has been
  handled, so the signal the test sends once it reads that line arrives at
  exactly that point. The wait reads a pipe that a handler wrapping the
  trainer's own writes to: a bare `signal.pause()` would wait for ever when
  the signal lands between the print and the pause.

The callback is added by wrapping `tf.keras.Model.fit`; nothing in keraslab
knows of it.
"""

import os
import signal
import sys

PAUSED = "keraslab-fault: paused"


def _fault_callback(tf, mode: str, arguments):
    class Fault(tf.keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.batches = 0

        def on_train_batch_end(self, batch, logs=None):
            self.batches += 1
            if mode == "kill-at-batch" and self.batches == int(arguments[0]):
                os.kill(os.getpid(), signal.SIGKILL)

        def on_epoch_end(self, epoch, logs=None):
            if epoch + 1 != int(arguments[0]):
                return
            if mode == "kill-before-checkpoint":
                os.kill(os.getpid(), signal.SIGKILL)
            if mode == "pause-at-epoch":
                _pause_until_signalled()

    return Fault()


def _pause_until_signalled() -> None:
    """Prints PAUSED, then blocks until SIGTERM or SIGINT has reached the trainer's handler.

    The handler that wraps the trainer's writes a byte to a pipe that this
    function reads: a signal that lands before the read leaves its byte
    waiting there, so it cannot be missed, and the read needs no timeout.
    """
    wake_read, wake_write = os.pipe()
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}

    def note_and_forward(signum, frame):
        forward = previous[signum]
        if callable(forward):
            forward(signum, frame)
        os.write(wake_write, b"!")

    for sig in previous:
        signal.signal(sig, note_and_forward)
    print(PAUSED, flush=True)
    os.read(wake_read, 1)  # Python runs the handler in this thread, then the read returns its byte
    for sig, handler in previous.items():
        signal.signal(sig, handler)
    os.close(wake_read)
    os.close(wake_write)


def _install(mode: str, arguments) -> None:
    import tensorflow as tf

    from keraslab.core.trainer import callbacks as trainer_callbacks

    fit = tf.keras.Model.fit

    def fit_with_fault(self, *args, callbacks=None, **kwargs):
        callbacks = list(callbacks or [])
        fault = _fault_callback(tf, mode, arguments)
        if mode == "kill-before-checkpoint":  # right after the metrics line, before the saver
            position = next(i for i, c in enumerate(callbacks) if isinstance(c, trainer_callbacks.MetricsLog))
            callbacks.insert(position + 1, fault)
        else:  # after every callback of the trainer: its epoch's checkpoint is saved
            callbacks.append(fault)
        return fit(self, *args, callbacks=callbacks, **kwargs)

    tf.keras.Model.fit = fit_with_fault


def main(argv) -> None:
    separator = argv.index("--")
    mode, arguments, cli_arguments = argv[0], argv[1:separator], argv[separator + 1 :]
    if mode not in ("kill-at-batch", "kill-before-checkpoint", "pause-at-epoch"):
        raise SystemExit(f"unknown fault mode {mode!r}")
    _install(mode, arguments)
    from keraslab.entrypoints.cli import main as cli_main

    sys.argv = ["keraslab", *cli_arguments]
    cli_main()


if __name__ == "__main__":
    main(sys.argv[1:])

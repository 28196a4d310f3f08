"""Commands of `keraslab rl` beyond train/evaluate/export."""

from __future__ import annotations

import click


@click.command("environments")
def environments_command():
    """The environments agents can act in, and their action spaces."""
    from keraslab.plugins.rl.environments import ENVIRONMENTS

    width = max(len(name) for name in ENVIRONMENTS)
    for name, info in ENVIRONMENTS.items():
        kind = f"{info.actions}{', tabular' if info.tabular else ''}"
        click.echo(f"{name:<{width}} {kind:<20} {info.description}")


@click.command("play")
@click.argument("run")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="The animated GIF to write.")
@click.option("--episodes", type=int, default=1, show_default=True, help="Episodes to play, one after another.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the first episode.")
@click.option("--fps", type=int, default=30, show_default=True, help="Frames per second of the GIF.")
@click.option("--max-frames", type=int, default=1000, show_default=True, help="Stop recording after this many.")
@click.pass_context
def play(ctx, run, out, episodes, seed, fps, max_frames):
    """Render episodes of a trained RUN's greedy policy off-screen into an animated GIF."""
    from keraslab.core.api import KeraslabError, open_finished_run, registry_of
    from keraslab.plugins.rl.play import play_episodes, write_gif

    for name, value in (("--episodes", episodes), ("--fps", fps), ("--max-frames", max_frames)):
        if value < 1:
            raise KeraslabError(f"{name} must be at least 1, received {value}.")
    if not out.lower().endswith(".gif"):
        raise KeraslabError(f"--out must name a .gif file, received '{out}'.")
    finished = open_finished_run(registry_of(ctx), "rl", run, "play")
    program, config, spec = finished.model, finished.config, finished.spec
    frames, returns = play_episodes(program, config.model.env, episodes, seed, max_frames)
    path = write_gif(frames, out, fps)
    click.echo(
        f"{len(returns)} episode(s) of {spec.name} on {config.model.env}: returns "
        f"{', '.join(f'{r:g}' for r in returns)}; {len(frames)} frames in {path}"
    )


@click.command("alphazero")
@click.option("--iterations", type=int, default=20, show_default=True, help="Rounds of self-play then fitting.")
@click.option("--games", type=int, default=50, show_default=True, help="Self-play games per iteration.")
@click.option("--simulations", type=int, default=50, show_default=True, help="MCTS simulations per self-play move.")
@click.option(
    "--evaluation-simulations",
    type=int,
    default=200,
    show_default=True,
    help="MCTS simulations per move of the measured player.",
)
@click.option(
    "--evaluation-games", type=int, default=100, show_default=True, help="Games against each opponent (even)."
)
@click.option("--evaluate-every", type=int, default=5, show_default=True, help="Measure every N iterations.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    help="Study folder (default runs/rl/alphazero/<time>); a stopped study in it continues.",
)
def alphazero_command(
    iterations, games, simulations, evaluation_simulations, evaluation_games, evaluate_every, seed, out
):
    """Tic-tac-toe by self-play: MCTS guided by a policy-and-value network (AlphaZero-style),
    measured against a random and a perfect (minimax) player; alphazero.json + PNG."""
    import datetime as _dt
    from pathlib import Path

    from keraslab.plugins.rl import alphazero

    study = alphazero.AlphaZeroStudy(
        iterations=iterations,
        games=games,
        simulations=simulations,
        evaluation_simulations=evaluation_simulations,
        evaluation_games=evaluation_games,
        evaluate_every=evaluate_every,
        seed=seed,
    )
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = Path(out) if out else Path("runs") / "rl" / "alphazero" / stamp
    result = alphazero.run_study(study, folder, echo=click.echo)
    final = result["final"]
    click.echo(
        f"After {study.iterations} iterations: against random {final['against_random']['win']:.0%} won, "
        f"{final['against_random']['loss']:.0%} lost; against minimax {final['against_minimax']['loss']:.0%} lost."
    )
    click.echo(f"Results: {folder / alphazero.RESULT_FILE}, plot: {folder / alphazero.PLOT_FILE}")


def commands():
    return [environments_command, play, alphazero_command]

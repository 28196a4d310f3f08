"""Hyper-parameter search: `keraslab <plugin> tune MODEL --space space.yaml`.

A space names config keys, each with a range or choices:

    optimizer.learning_rate: {log_uniform: [1.0e-4, 1.0e-1]}
    train.l2: {uniform: [0, 1.0e-3]}
    train.batch_size: {int: [16, 128]}
    model.hidden_units: {choice: [[64], [128, 64]]}
    model.batch_norm: {choice: [false, true]}
    model.dropout: {uniform: [0, 0.5], when: {model.batch_norm: [false]}}

A `when` makes a key conditional (KerasTuner's `conditional_scope`): it is
searched only in trials where the choice above it takes one of the values
given, and left at its config value in the others.

Every key and every bound or choice is checked as `--set KEY=VALUE` would
be, before any trial, so a typo is one line and no search starts.

The searchers are KerasTuner's oracles (O'Malley et al., KerasTuner, 2019):

* `bayesian` (the default; KerasTuner's `BayesianOptimization`): a
  Gaussian process on the trials so far, the next point the one that
  maximises the upper confidence bound
  μ(x) + β σ(x) of the objective (minimised as −μ + β σ where lower is
  better): exploiting where the mean is good, exploring where it is unsure;
* `random`: points drawn independently from the space;
* `grid`: every combination of the choices (and of a few values of each
  range), in order;
* `hyperband` (Li et al., 2018, "Hyperband: a novel bandit-based approach
  to hyperparameter optimization"): many configurations on few epochs, the
  best third promoted to three times the epochs, up to `train.epochs`.

Each trial is a normal run through the shared trainer, in
`<search>/trial-<id>/`, so it can be evaluated, exported or resumed like
any run. Its objective is a metric of its summary, `validation.loss` by
default (any "split.metric" the model reports; "loss", "nll", "mae",
"mse", "error" and "bits" are minimised, others maximised, unless a
direction is given: `validation.accuracy:max`).

The search folder holds `search.json` (the settings), `space.yaml`, the
oracle's state (`oracle/`, KerasTuner's files) and `trials.json`, a table
of every trial. A search killed at any point continues with `--resume
DIR`: the oracle reloads its state, a finished trial is not run again, and
the interrupted one resumes from its run's last checkpoint.

With `folds` K, a trial is K runs (`trial-<id>/fold-<k>/`, `data.folds=K
data.fold=k`: `keraslab.core.data.fold_splits`), scored by the mean of
their validation scores, with their spread in the table; the test split
never chooses (an objective on it is refused).

A search is shared by several processes through KerasTuner's chief/worker
protocol (`role`, `share_search`): the chief serves trials over gRPC and
writes the table, each worker runs the trials it is handed
(`join_search`), all in one search folder.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import shutil
import statistics
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from keraslab.core.errors import KeraslabError

KINDS = ("log_uniform", "uniform", "int", "choice")
SEARCHERS = ("bayesian", "random", "grid", "hyperband")
MINIMISED = ("loss", "nll", "mae", "mse", "error", "bits")
SETTINGS_FILE = "search.json"
TABLE_FILE = "trials.json"


@dataclasses.dataclass(frozen=True)
class Dimension:
    """One config key of the space and the values it may take."""

    key: str
    kind: str
    values: Tuple[Any, ...]
    when: Optional[Tuple[str, Tuple[Any, ...]]] = None  # (a choice's key, the values that make this key active)

    def probes(self) -> Tuple[Any, ...]:
        """The values checked before a search: the bounds of a range, every choice."""
        return self.values

    def add_to(self, hp) -> None:
        """Declares this dimension on KerasTuner's `HyperParameters` (under
        its parent's `conditional_scope` when it has a `when`)."""
        if self.when is not None:
            parent, values = self.when
            with hp.conditional_scope(parent, [json.dumps(v) for v in values]):
                dataclasses.replace(self, when=None).add_to(hp)
        elif self.kind == "choice":
            hp.Choice(self.key, [json.dumps(v) for v in self.values], ordered=False)
        elif self.kind == "int":
            hp.Int(self.key, int(self.values[0]), int(self.values[1]))
        else:
            low, high = (float(v) for v in self.values)
            hp.Float(self.key, low, high, sampling="log" if self.kind == "log_uniform" else "linear")

    def setting(self, value) -> str:
        """The `--set` override of a trial's value."""
        chosen = json.loads(value) if self.kind == "choice" else value
        return f"{self.key}={json.dumps(chosen)}"


def read_space(path: str) -> List[Dimension]:
    """The dimensions of a space file; one line naming what is wrong otherwise."""
    import yaml

    file = Path(path)
    if not file.is_file():
        raise KeraslabError(f"Space file '{path}' does not exist; --space takes a YAML file of KEY: {{KIND: VALUES}}.")
    try:
        raw = yaml.safe_load(file.read_text())
    except yaml.YAMLError as error:
        raise KeraslabError(f"Space file '{path}' is not YAML ({str(error).splitlines()[0]}).") from None
    if not isinstance(raw, dict) or not raw:
        raise KeraslabError(
            f"Space file '{path}' must map config keys to ranges, "
            "e.g. optimizer.learning_rate: {log_uniform: [1e-4, 1e-1]}."
        )
    dimensions: List[Dimension] = []
    for key, spec in raw.items():
        when = spec.pop("when", None) if isinstance(spec, dict) else None
        dimension = _dimension(str(key), spec, path)
        if when is not None:
            dimension = dataclasses.replace(dimension, when=_condition(str(key), when, dimensions))
        dimensions.append(dimension)
    return dimensions


def _condition(key: str, when, earlier: Sequence[Dimension]) -> Tuple[str, Tuple[Any, ...]]:
    """`when: {PARENT: [VALUES]}`: the key is searched only in trials whose
    PARENT, a choice listed above it, takes one of VALUES."""
    choices = {d.key: d for d in earlier if d.kind == "choice" and d.when is None}
    usage = f"'{key}': when takes {{KEY: [VALUES]}}, KEY a choice above it in the space"
    if not isinstance(when, dict) or len(when) != 1:
        raise KeraslabError(f"{usage}, received {when!r}.")
    parent, values = next(iter(when.items()))
    if parent not in choices:
        raise KeraslabError(f"{usage} ({', '.join(choices) or 'none so far'}), received '{parent}'.")
    values = values if isinstance(values, list) else [values]
    unknown = [v for v in values if v not in choices[parent].values]
    if unknown or not values:
        raise KeraslabError(f"'{key}': when {parent} is {unknown or values!r}, not among its choices.")
    return str(parent), tuple(values)


def _dimension(key: str, spec, path: str) -> Dimension:
    accepted = ", ".join(KINDS)
    if not isinstance(spec, dict) or len(spec) != 1 or next(iter(spec)) not in KINDS:
        raise KeraslabError(f"'{key}' in '{path}' must be one of {{{accepted}: ...}}, received {spec!r}.")
    kind, values = next(iter(spec.items()))
    if kind == "choice":
        if not isinstance(values, list) or not values:
            raise KeraslabError(f"'{key}': choice takes a non-empty list of values, received {values!r}.")
        return Dimension(key, kind, tuple(values))
    numeric = isinstance(values, list) and len(values) == 2 and all(isinstance(v, (int, float)) for v in values)
    if not numeric or not values[0] < values[1]:
        raise KeraslabError(f"'{key}': {kind} takes [low, high] with low < high, received {values!r}.")
    if kind == "log_uniform" and values[0] <= 0:
        raise KeraslabError(f"'{key}': log_uniform needs a positive low bound, received {values[0]}.")
    if kind == "int" and not all(float(v).is_integer() for v in values):
        raise KeraslabError(f"'{key}': int takes whole bounds, received {values!r}.")
    return Dimension(key, kind, tuple(values))


@dataclasses.dataclass(frozen=True)
class Objective:
    """A metric of a trial's summary ("split.metric") and whether lower is better."""

    split: str
    metric: str
    direction: str

    @classmethod
    def parse(cls, text: str) -> "Objective":
        name, _, direction = text.partition(":")
        split, _, metric = name.partition(".")
        if not split or not metric or direction not in ("", "min", "max"):
            raise KeraslabError(
                f"--objective '{text}' is not SPLIT.METRIC[:min|max], e.g. validation.loss or validation.accuracy:max."
            )
        if split == "test":
            raise KeraslabError(
                f"--objective '{text}': the test split is kept for the final score of the chosen trial; "
                "score trials on a validation metric (validation.loss, validation.accuracy, ...)."
            )
        if not direction:
            direction = "min" if any(word in metric for word in MINIMISED) else "max"
        return cls(split, metric, direction)

    @property
    def name(self) -> str:
        return f"{self.split}.{self.metric}"

    def value(self, summary: Dict[str, Any], trial: str) -> float:
        metrics = summary.get("metrics", {}).get(self.split, {})
        if self.metric not in metrics:
            known = ", ".join(f"{s}.{m}" for s, ms in summary.get("metrics", {}).items() for m in ms if s != "test")
            raise KeraslabError(f"Trial {trial} reports no {self.name}; --objective takes one of: {known}.")
        return float(metrics[self.metric])


@dataclasses.dataclass(frozen=True)
class SearchSettings:
    """What a search was started with (search.json), so `--resume` needs nothing else."""

    plugin: str
    model: str
    searcher: str
    trials: int
    objective: str
    seed: int
    config_file: Optional[str]
    overrides: Tuple[str, ...]
    folds: int = 0


def check_space(registry, settings: SearchSettings, dimensions: Sequence[Dimension]) -> None:
    """Resolves the run config with every bound and choice of every dimension, as `--set` would."""
    from keraslab.core.actions import resolve_run_config

    plugin = registry.get(settings.plugin)
    spec = plugin.model(settings.model)
    common = list(settings.overrides) + fold_runs(Path("."), settings.folds)[0][1]
    config = resolve_run_config(plugin, spec, settings.config_file, common)
    for dimension in dimensions:
        for value in dimension.probes():
            override = f"{dimension.key}={json.dumps(value)}"
            try:
                resolve_run_config(plugin, spec, settings.config_file, common + [override])
            except KeraslabError as error:
                raise type(error)(f"Space: {override} is refused: {error}") from None
    if settings.folds:  # data that cannot be folded (a series split by position) is refused now, not in trial 0
        from keraslab.core.building import load_splits

        load_splits(plugin, spec, config.data)


def new_search_dir(runs_root: str, plugin: str, model: str, search_dir: Optional[str]) -> Path:
    if search_dir:
        folder = Path(search_dir)
        # A chief's workers may have written their state in it first; a search of its own it must not hold.
        taken = (folder / SETTINGS_FILE).exists() if role() == "chief" else folder.exists() and any(folder.iterdir())
        if taken:
            raise KeraslabError(
                f"Search folder '{search_dir}' is not empty; give a new one, or continue it with --resume."
            )
        return folder
    if role() == "chief":
        raise KeraslabError("A shared search needs --run-dir: the folder every process of the search names.")
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path(runs_root) / plugin / model / f"tune-{stamp}"


def checked_space(registry, settings: SearchSettings, space_file: str) -> List[Dimension]:
    """The space's dimensions, once settings and space are found sound."""
    if settings.searcher not in SEARCHERS:
        raise KeraslabError(f"Unknown searcher '{settings.searcher}'; accepted: {', '.join(SEARCHERS)}.")
    if settings.trials < 1:
        raise KeraslabError(f"--trials must be at least 1, received {settings.trials}.")
    if settings.folds == 1 or settings.folds < 0:
        raise KeraslabError(f"--folds takes K ≥ 2 (or 0: no cross-validation), received {settings.folds}.")
    Objective.parse(settings.objective)
    dimensions = read_space(space_file)
    check_space(registry, settings, dimensions)
    return dimensions


def start_search(
    registry, settings: SearchSettings, space_file: str, runs_root: str = "runs", search_dir: Optional[str] = None
) -> Tuple[Path, List[Dict[str, Any]]]:
    """Checks the space, writes the search folder's settings and runs the
    search (as the chief of a shared search, serves its workers instead)."""
    from keraslab.core.paths import check_can_create, write_atomically

    checked_space(registry, settings, space_file)
    folder = new_search_dir(runs_root, settings.plugin, settings.model, search_dir)
    check_can_create(folder, "search folder")
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(space_file, folder / "space.yaml")
    write_atomically(folder / SETTINGS_FILE, json.dumps(dataclasses.asdict(settings), indent=2) + "\n")
    return folder, run_search(registry, folder)


def join_search(
    registry, settings: SearchSettings, space_file: str, search_dir: Optional[str]
) -> Tuple[Path, List[Dict[str, Any]]]:
    """As a worker of a shared search: runs the trials its chief hands out,
    in the search folder every process names, until the chief has no more.
    Returns the rows of the trials this worker ran."""
    if not search_dir:
        raise KeraslabError("A shared search needs --run-dir: the folder every process of the search names.")
    dimensions = checked_space(registry, settings, space_file)
    folder = Path(search_dir)
    if (folder / TABLE_FILE).is_file():  # the chief writes the table as it ends: no one would answer
        raise KeraslabError(
            f"Search '{search_dir}' is finished (its table is {folder / TABLE_FILE}); "
            "a worker joins a search whose chief is running."
        )
    return folder, run_search(registry, folder, settings, dimensions)


def resume_search(registry, folder: str) -> Tuple[Path, List[Dict[str, Any]]]:
    """Continues the search in `folder` where it stopped."""
    path = Path(folder)
    if not (path / SETTINGS_FILE).is_file():
        raise KeraslabError(
            f"'{folder}' is not a search folder (it has no {SETTINGS_FILE}); --resume takes one `tune` made."
        )
    return path, run_search(registry, path)


def role() -> str:
    """`alone`, or this process's part in a search shared through KerasTuner's
    chief/worker protocol ("chief" or "worker"), read from the environment
    variables that protocol reads: KERASTUNER_TUNER_ID (an ID containing
    "chief" for the chief), KERASTUNER_ORACLE_IP, KERASTUNER_ORACLE_PORT."""
    import os

    if "KERASTUNER_ORACLE_IP" not in os.environ:
        return "alone"
    missing = [v for v in ("KERASTUNER_ORACLE_PORT", "KERASTUNER_TUNER_ID") if not os.environ.get(v)]
    if missing:
        raise KeraslabError(
            f"KERASTUNER_ORACLE_IP is set but {' and '.join(missing)} not; a shared search needs all three "
            "(or --oracle HOST:PORT and --tuner-id ID)."
        )
    return "chief" if "chief" in os.environ["KERASTUNER_TUNER_ID"] else "worker"


def share_search(oracle: str, tuner_id: str) -> None:
    """Makes this process a part of a shared search: `oracle` is the chief's
    HOST:PORT, `tuner_id` "chief" for the chief, any other name for a worker."""
    import os

    host, _, port = oracle.rpartition(":")
    if not host or not port.isdigit() or not tuner_id:
        raise KeraslabError(
            f"--oracle '{oracle}' with --tuner-id '{tuner_id}': a shared search takes --oracle HOST:PORT "
            "(the chief's address) and --tuner-id (chief, or a worker's name such as worker0)."
        )
    os.environ.update(KERASTUNER_ORACLE_IP=host, KERASTUNER_ORACLE_PORT=port, KERASTUNER_TUNER_ID=tuner_id)


def read_settings(folder: Path) -> SearchSettings:
    raw = json.loads((folder / SETTINGS_FILE).read_text())
    return SearchSettings(**{**raw, "overrides": tuple(raw["overrides"])})


def run_search(
    registry, folder: Path, settings: Optional[SearchSettings] = None, dimensions: Optional[Sequence[Dimension]] = None
) -> List[Dict[str, Any]]:
    """Runs (or continues) the search of `folder`; returns its table of
    trials (a worker of a shared search: the rows of the trials it ran)."""
    import keras_tuner as kt

    settings = settings or read_settings(folder)
    dimensions = dimensions or read_space(str(folder / "space.yaml"))
    objective = Objective.parse(settings.objective)
    hp = kt.HyperParameters()
    for dimension in dimensions:
        dimension.add_to(hp)
    oracle = _oracle(kt, settings, objective, hp, registry)
    tuner = _make_trial_runner()(
        registry, settings, dimensions, objective, folder, oracle=oracle, directory=str(folder), project_name="oracle"
    )
    try:
        tuner.search()
    except kt.errors.FatalError:
        if tuner.stopped_by is None:
            raise
        raise tuner.stopped_by from None
    if role() == "worker":
        return tuner.ran
    table = trial_table(tuner, folder, dimensions, objective, settings.folds)
    (folder / TABLE_FILE).write_text(json.dumps(table, indent=2) + "\n")
    return table


def _oracle(kt, settings: SearchSettings, objective: Objective, hp, registry):
    goal = kt.Objective(objective.name, objective.direction)
    common = dict(
        objective=goal,
        hyperparameters=hp,
        seed=settings.seed,
        tune_new_entries=False,
        allow_new_entries=False,
        max_consecutive_failed_trials=10**9,  # a diverged trial is a result; the table shows each
    )
    if settings.searcher == "hyperband":
        from keraslab.core.actions import resolve_run_config

        plugin = registry.get(settings.plugin)
        config = resolve_run_config(plugin, plugin.model(settings.model), settings.config_file, settings.overrides)
        return kt.oracles.HyperbandOracle(max_epochs=max(2, config.train.epochs), factor=3, **common)
    kind = {"bayesian": kt.oracles.BayesianOptimizationOracle, "random": kt.oracles.RandomSearchOracle}
    if settings.searcher == "grid":
        return kt.oracles.GridSearchOracle(max_trials=settings.trials, **common)
    return kind[settings.searcher](max_trials=settings.trials, **common)


def trial_table(
    tuner, folder: Path, dimensions: Sequence[Dimension], objective: Objective, folds: int = 0
) -> List[Dict[str, Any]]:
    """Every trial: its id, values, objective, status and run folder, best
    first; with folds, each fold's score and their spread (the sample
    standard deviation) too."""
    choices = {d.key for d in dimensions if d.kind == "choice"}
    rows = []
    for trial in tuner.oracle.trials.values():
        values = trial.hyperparameters.values
        trial_dir = folder / f"trial-{trial.trial_id}"
        row = {
            "trial": trial.trial_id,
            "status": str(trial.status),
            "values": {
                k: json.loads(v) if k in choices else v
                for k, v in values.items()
                if not k.startswith("tuner/") and trial.hyperparameters.is_active(k)
            },
            "objective": trial.score,
            "run": str(trial_dir),
        }
        if folds:
            scores = [_score_of(run_dir, objective) for run_dir, _ in fold_runs(trial_dir, folds)]
            row["folds"] = scores
            scored = [v for v in scores if v is not None]
            row["spread"] = statistics.stdev(scored) if len(scored) > 1 else None  # the sample standard deviation
        if trial.message:
            row["reason"] = trial.message.strip().splitlines()[-1]
        rows.append(row)
    lower = tuner.oracle.objective.direction == "min"
    rows.sort(key=lambda row: (row["objective"] is None, (row["objective"] or 0) * (1 if lower else -1)))
    return rows


def _score_of(run_dir: Path, objective: Objective) -> Optional[float]:
    summary = run_dir / "summary.json"
    if not summary.is_file():
        return None
    metrics = json.loads(summary.read_text()).get("metrics", {}).get(objective.split, {})
    return float(metrics[objective.metric]) if objective.metric in metrics else None


def _make_trial_runner():
    """The KerasTuner tuner whose trial is one run of the shared trainer (or,
    with `folds` K, K runs, one per fold, scored by their mean)."""
    from keras_tuner import errors
    from keras_tuner.engine.base_tuner import BaseTuner

    class Runner(BaseTuner):
        def __init__(self, registry, settings, dimensions, objective, folder, **kwargs):
            super().__init__(**kwargs)
            self.registry, self.settings, self.objective, self.folder = registry, settings, objective, folder
            self.dimensions = {d.key: d for d in dimensions}
            self.stopped_by: Optional[Exception] = None
            self.ran: List[Dict[str, Any]] = []  # the trials this process ran

        def run_trial(self, trial, *args, **kwargs):
            try:
                scores = [self.objective.value(summary, trial.trial_id) for summary in self._summaries(trial, errors)]
            except errors.FailedTrialError:
                raise
            except Exception as error:  # a mistake to fix (or a bug): the search stops, saying why
                self.stopped_by = error
                raise errors.FatalError(str(error)) from None
            score = sum(scores) / len(scores)
            self.ran.append({"trial": trial.trial_id, "objective": score, "run": str(self.trial_dir(trial))})
            return {self.objective.name: score}

        def trial_dir(self, trial) -> Path:
            return self.folder / f"trial-{trial.trial_id}"

        def _summaries(self, trial, errors):
            from keraslab.core.rundir import COMPLETE, FAILED

            trial_dir = self.trial_dir(trial)
            values = trial.hyperparameters.values
            overrides = list(self.settings.overrides)
            active = trial.hyperparameters.is_active
            overrides += [
                self.dimensions[k].setting(v) for k, v in values.items() if k in self.dimensions and active(k)
            ]
            if "tuner/epochs" in values:  # hyperband's budget for this trial
                overrides.append(f"train.epochs={int(values['tuner/epochs'])}")
            print(f"trial {trial.trial_id}: {' '.join(overrides[len(self.settings.overrides) :])}", flush=True)
            for run_dir, fold in fold_runs(trial_dir, self.settings.folds):
                summary = train_or_resume(self.registry, self.settings, run_dir, overrides + fold)
                status = summary.get("status", COMPLETE)
                if status == FAILED:  # diverged: a poor point of the space, recorded, and the search goes on
                    raise errors.FailedTrialError(f"{run_dir}: {summary.get('reason', '')}")
                if status != COMPLETE:
                    raise KeraslabError(
                        f"Trial {trial.trial_id} stopped ({summary.get('reason', '')}); continue with --resume."
                    )
                yield summary

        def save_model(self, trial_id, model, step=0):  # each trial's run folder holds its model
            pass

    return Runner


def fold_runs(trial_dir: Path, folds: int) -> List[Tuple[Path, List[str]]]:
    """Each run of a trial and the overrides that make it: the trial's own
    folder, or `fold-<k>/` in it for each fold of a cross-validated search."""
    if not folds:
        return [(trial_dir, [])]
    return [(trial_dir / f"fold-{k}", [f"data.folds={folds}", f"data.fold={k}"]) for k in range(folds)]


def train_or_resume(registry, settings: SearchSettings, run_dir: Path, overrides: Sequence[str]) -> Dict[str, Any]:
    """The summary of the run at `run_dir`: read back if complete, resumed
    from its last checkpoint if not, trained if there is none."""
    from keraslab.core.actions import resume_training, start_training
    from keraslab.core.rundir import COMPLETE, RunDir

    if not (run_dir / "run.json").is_file():
        return start_training(
            registry,
            settings.plugin,
            settings.model,
            config_file=settings.config_file,
            overrides=list(overrides),
            run_dir=str(run_dir),
        )[1]
    run = RunDir.open(str(run_dir))
    if run.status == COMPLETE:
        return dict(run.read_json("summary.json"))
    return resume_training(registry, str(run_dir))[1]  # stopped, or failed in a search stopped since

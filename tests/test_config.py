"""Configuration: defaults, YAML, dotted overrides, type checks, round trip."""

import pytest

from keraslab.core.config import (
    DataConfig,
    RunConfig,
    apply_overrides,
    check_ranges,
    dump_yaml,
    load_yaml,
    migrate_sections,
    parse_override,
    resolve_config,
)
from keraslab.core.errors import ConfigError
from keraslab.plugins.foundations.config import MLPConfig


def base():
    return RunConfig(model=MLPConfig())


def test_defaults_are_the_dataclass_defaults():
    config = base()
    assert config.optimizer.learning_rate == 1e-3
    assert config.model.hidden_units == (128, 64)


def test_override_parses_scientific_notation_as_float():
    # YAML 1.1 would read "3e-4" as a string; overrides must not.
    assert parse_override("optimizer.learning_rate=3e-4") == ("optimizer.learning_rate", 3e-4)
    config = resolve_config(base(), overrides=["optimizer.learning_rate=3e-4"])
    assert config.optimizer.learning_rate == pytest.approx(3e-4)


def test_yaml_then_overrides_in_that_order(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("train:\n  epochs: 7\n  batch_size: 16\nmodel:\n  hidden_units: [8, 4]\n")
    config = resolve_config(base(), str(path), ["train.epochs=9"])
    assert config.train.epochs == 9  # --set wins over the file
    assert config.train.batch_size == 16
    assert config.model.hidden_units == (8, 4)


def test_int_accepted_for_float_but_not_the_reverse():
    assert resolve_config(base(), overrides=["optimizer.learning_rate=1"]).optimizer.learning_rate == 1.0
    with pytest.raises(ConfigError, match=r"'train.epochs' expects int, received 2.5"):
        resolve_config(base(), overrides=["train.epochs=2.5"])


def test_unknown_key_lists_the_valid_ones():
    with pytest.raises(ConfigError) as error:
        resolve_config(base(), overrides=["optimizer.learnig_rate=0.1"])
    message = str(error.value)
    assert "Unknown config key 'optimizer.learnig_rate'" in message
    assert "learning_rate" in message and "momentum" in message


def test_unknown_section_lists_the_sections():
    sections = "agent, checkpoint, data, devices, init, model, optimizer, schedule, train"
    with pytest.raises(ConfigError, match=f"Valid keys: {sections}"):
        resolve_config(base(), overrides=["trian.epochs=3"])


def test_literal_values_are_checked():
    with pytest.raises(ConfigError, match="one of 'constant', 'step'"):
        resolve_config(base(), overrides=["schedule.name=cosin"])


def test_non_finite_values_are_refused():
    with pytest.raises(ConfigError, match="finite"):
        resolve_config(base(), overrides=["optimizer.learning_rate=nan"])


def test_ranges_are_checked():
    with pytest.raises(ConfigError, match="'train.epochs' must be at least 1"):
        check_ranges(resolve_config(base(), overrides=["train.epochs=0"]))


def test_a_weight_average_and_early_stopping_are_refused_together():
    # Both choose the weights a run ends with; Keras would silently replace the restored best epoch.
    both = resolve_config(base(), overrides=["optimizer.average=0.99", "train.early_stopping_patience=3"])
    with pytest.raises(ConfigError, match="'optimizer.average' .* and 'train.early_stopping_patience' .* both"):
        check_ranges(both)
    with pytest.raises(ConfigError, match=r"'optimizer.average' must be in \[0, 1\)"):
        check_ranges(resolve_config(base(), overrides=["optimizer.average=1"]))
    check_ranges(resolve_config(base(), overrides=["optimizer.average=0.99"]))


def test_malformed_yaml_names_file_and_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("train:\n  epochs: 3\n  batch_size: [1, 2\n")
    with pytest.raises(ConfigError, match=r"bad.yaml:\d+"):
        load_yaml(path)


def test_override_without_equals_sign():
    with pytest.raises(ConfigError, match="key=value"):
        parse_override("train.epochs")


def test_section_cannot_be_set_to_a_value():
    with pytest.raises(ConfigError, match="is a section"):
        resolve_config(base(), overrides=["model=3"])


def test_resolved_config_round_trips_through_yaml(tmp_path):
    config = resolve_config(base(), overrides=["train.epochs=3", "model.hidden_units=[5]", "data.name=xor"])
    path = tmp_path / "config.yaml"
    path.write_text(dump_yaml(config))
    assert apply_overrides(base(), load_yaml(path)) == config


def test_data_config_defaults():
    assert DataConfig().validation_fraction + DataConfig().test_fraction < 1


# --------------------------------------------------------------------------- #
# Ranges declared on the fields (`ranged`), checked in every section
# --------------------------------------------------------------------------- #


def test_every_builtin_default_config_is_in_range(registry):
    from keraslab.core.building import default_config
    from keraslab.core.config import check_ranges

    for plugin in registry.plugins():
        for spec in plugin.models:
            check_ranges(default_config(spec))  # raises on a default outside its own declared range


@pytest.mark.parametrize(
    "plugin_name,model,override,message",
    [
        ("vision", "cnn", "model.augmentation.shift=1.5", "'model.augmentation.shift' must be in [0, 1), received 1.5"),
        (
            "vision",
            "cnn",
            "model.augmentation.noise=-0.1",
            "'model.augmentation.noise' must be at least 0, received -0.1",
        ),
        ("vision", "cnn", "model.stride=0", "'model.stride' must be at least 1, received 0"),
        ("vision", "resnet", "model.blocks_per_stage=0", "'model.blocks_per_stage' must be at least 1"),
        ("vision", "siamese", "model.margin=0", "'model.margin' must be > 0, received 0"),
        (
            "vision",
            "siamese",
            "model.held_out_classes=[3,-1]",
            "'model.held_out_classes' every entry must be at least 0",
        ),
        (
            "sequence",
            "char-rnn",
            "model.units=[]",
            "'model.units' must list at least one value, each at least 1, received []",
        ),
        ("sequence", "char-rnn", "model.units=[64,0]", "'model.units' must list at least one value, each at least 1"),
        ("sequence", "char-rnn", "model.dropout=1", "'model.dropout' must be in [0, 1), received 1"),
        ("sequence", "wavenet", "model.block_dropout=-0.5", "'model.block_dropout' must be in [0, 1)"),
        ("sequence", "seq2seq", "model.beam_width=0", "'model.beam_width' must be at least 1, received 0"),
        ("generative", "gan", "model.label_smoothing=0.5", "'model.label_smoothing' must be in (0.5, 1], received 0.5"),
        ("generative", "vae", "model.hidden_units=[]", "'model.hidden_units' must list at least one value"),
        ("generative", "rbm", "model.chains=0", "'model.chains' must be at least 1, received 0"),
        ("rl", "dqn", "model.target_update_tau=0", "'model.target_update_tau' must be in (0, 1], received 0"),
        ("rl", "dqn", "model.update_every=0", "'model.update_every' must be at least 1, received 0"),
        ("rl", "ppo", "model.select_every=0", "'model.select_every' must be at least 1, received 0"),
        ("rl", "q-learning", "model.epsilon_end=1.5", "'model.epsilon_end' must be from 0 to 1, received 1.5"),
    ],
)
def test_plugins_fields_declare_their_ranges(registry, plugin_name, model, override, message):
    from keraslab.core.actions import resolve_run_config

    plugin = registry.get(plugin_name)
    with pytest.raises(ConfigError) as caught:
        resolve_run_config(plugin, plugin.model(model), overrides=[override])
    assert message in str(caught.value)


def test_a_padding_outside_the_choices_is_refused(registry):
    from keraslab.core.actions import resolve_run_config

    plugin = registry.get("vision")
    with pytest.raises(ConfigError, match="padding"):
        resolve_run_config(plugin, plugin.model("cnn"), overrides=["model.padding=full"])


def test_a_declared_range_is_described_as_it_reads():
    from keraslab.core.config import Range

    assert Range(low=1).describe() == "at least 1"
    assert Range(low=0, low_open=True).describe() == "> 0"
    assert Range(low=0, high=256).describe() == "from 0 to 256"
    assert Range(low=0, high=1, high_open=True).describe() == "in [0, 1)"
    assert Range(low=0, high=1, high_open=True).contains(0) and not Range(low=0, high=1, high_open=True).contains(1)


def test_each_shared_section_holds_its_own_settings():
    config = resolve_config(
        base(),
        overrides=["devices.strategy=mirrored", "checkpoint.keep=5", "init.freeze=true", "agent.env_steps=10"],
    )
    assert (config.devices.strategy, config.checkpoint.keep) == ("mirrored", 5)
    assert (config.init.freeze, config.agent.env_steps) == (True, 10)
    assert not hasattr(config.train, "strategy")


def test_keys_of_the_single_train_section_still_work(tmp_path):
    # Configs and run directories written before the sections were split keep working.
    path = tmp_path / "old.yaml"
    path.write_text("train:\n  epochs: 4\n  checkpoint_seconds: 0\n  init_exclude: [head]\n")
    config = resolve_config(base(), str(path), ["train.env_steps=7", "train.strategy=default"])
    assert config.train.epochs == 4 and config.checkpoint.seconds == 0
    assert config.init.exclude == ("head",)
    assert (config.agent.env_steps, config.devices.strategy) == (7, "default")


def test_a_key_given_both_ways_is_refused(tmp_path):
    path = tmp_path / "both.yaml"
    path.write_text("train:\n  keep_checkpoints: 2\ncheckpoint:\n  keep: 4\n")
    with pytest.raises(ConfigError, match="'train.keep_checkpoints' is now 'checkpoint.keep'"):
        resolve_config(base(), str(path))


def test_an_old_run_config_reads_back_as_it_ran():
    old = {"train": {"epochs": 3, "strategy": "default", "keep_checkpoints": 1, "freeze_init": False}}
    migrated = migrate_sections(old)
    assert migrated["train"] == {"epochs": 3}
    assert migrated["devices"] == {"strategy": "default"}
    assert migrated["checkpoint"] == {"keep": 1} and migrated["init"] == {"freeze": False}
    assert old["train"]["strategy"] == "default"  # the caller's mapping is left as it was


def test_a_key_earlier_releases_wrote_for_every_model_still_reads_back():
    # Run configs of earlier releases hold `data.window: 0` whatever the model;
    # the key is now the sequence models' own, and elsewhere it is dropped at that value.
    config = apply_overrides(base(), {"data": {"name": "digits", "window": 0}})
    assert config.data.name == "digits" and not hasattr(config.data, "window")
    with pytest.raises(ConfigError, match="Unknown config key 'data.window'"):
        apply_overrides(base(), {"data": {"window": 5}})  # a value that would have had an effect


def test_a_model_declares_the_further_data_settings_its_datasets_read():
    from keraslab.core.building import default_config
    from keraslab.plugins.foundations import plugin as foundations
    from keraslab.plugins.sequence import plugin as sequence

    forecaster = default_config(sequence.model("forecaster"))
    assert resolve_config(forecaster, overrides=["data.window=9"]).data.window == 9
    with pytest.raises(ConfigError, match="Unknown config key 'data.window'"):
        resolve_config(default_config(foundations.model("mlp")), overrides=["data.window=9"])

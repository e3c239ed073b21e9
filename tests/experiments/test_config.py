import json

import pytest

from rmtdiff.experiments.config import SCALES, preset, to_json


@pytest.mark.parametrize("scale", SCALES)
def test_presets_resolve(scale):
    cfg = preset("same_seed", scale)
    assert json.loads(to_json(cfg))["type"] == "SameSeedConfig"
    assert set(cfg.grid_n) <= set(cfg.n_values)
    assert 35 in cfg.heun_steps


def test_errors_name_what_is_known():
    with pytest.raises(ValueError, match="scale must be one of"):
        preset("same_seed", "huge")
    with pytest.raises(ValueError, match="chapter must be one of"):
        preset("nope", "ci")
    with pytest.raises(ValueError, match=r"unknown parameter\(s\) \['n_seed'\]"):
        preset("same_seed", "ci", n_seed=3)

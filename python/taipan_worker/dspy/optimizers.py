"""The optimizers Java may name, and how their parameters split between constructor and
``compile()``."""

from __future__ import annotations

import inspect
from typing import Any, Dict, Tuple

from .errors import SpecError


OPTIMIZERS = {
    "labeled_few_shot": "LabeledFewShot",
    "bootstrap_few_shot": "BootstrapFewShot",
    "bootstrap_few_shot_random_search": "BootstrapFewShotWithRandomSearch",
    "mipro_v2": "MIPROv2",
    "gepa": "GEPA",
}



def split_params(cls: Any, params: Dict[str, Any]) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """Constructor vs compile() keyword arguments, by their signatures."""
    init_names = set(inspect.signature(cls.__init__).parameters) - {"self"}
    compile_names = set(inspect.signature(cls.compile).parameters) - {"self", "student", "trainset", "valset",
                                                                        "teacher"}
    init_kw, compile_kw = {}, {}
    for key, value in params.items():
        if key in ("metric", "reflection_lm", "prompt_model", "task_model", "teacher_settings"):
            raise SpecError(f"optimizer parameter {key!r} is set by the bridge")
        if key in init_names:
            init_kw[key] = value
        elif key in compile_names:
            compile_kw[key] = value
        else:
            raise SpecError(f"unknown parameter {key!r} for {cls.__name__}")
    return init_kw, compile_kw

"""A registered model, loaded with the data prepared as of the config's ``as_of`` exactly as
its cycle prepared them (``score``, ``explain --model`` and the notebooks)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from earlywarn import io
from earlywarn.config import CycleConfig
from earlywarn.cycle._inputs import CycleInputs
from earlywarn.errors import UserInputError
from earlywarn.tracking import is_store_error

__all__ = ["LoadedModel", "load_registered"]


@dataclass
class LoadedModel:
    """A registered model and the data as of ``cfg.as_of`` (:func:`earlywarn.cycle.prepare`),
    with the model's feature columns."""

    uri: str
    version: dict[str, Any]
    model: Any
    prep: Any  # earlywarn.cycle.Prepared
    X: pd.DataFrame  # the model's columns, all origins
    recalibration: dict[str, Any] | None = None  # its cycle's, applied to the probability

    def training(self, cfg: CycleConfig) -> tuple:
        """The published fit's training rows, as the cycle built them."""
        from earlywarn.backtest import EvaluationSettings, final_training

        settings = EvaluationSettings.from_config(cfg)
        train = self.prep.training_origins(cfg)
        return final_training(self.X, self.prep.tables.events, train, cfg.as_of_date, settings)


def load_registered(
    cfg: CycleConfig,
    model_uri: str,
    tracking_uri: str | None,
    data: CycleInputs | None,
) -> LoadedModel:
    """Load the registered Pipeline; prepare the data as of ``cfg.as_of`` as a cycle does."""
    from earlywarn.cycle._cycle import prepare
    from earlywarn.cycle._preflight import check_existing_store
    from earlywarn.tracking import load_model, resolve_model_version, resolve_tracking_uri

    uri = tracking_uri or resolve_tracking_uri(cfg.tracking.uri, io.runs_dir())
    check_existing_store(uri, cfg.tracking.connect_timeout)  # reading never creates a store
    try:
        version = resolve_model_version(uri, model_uri)
        model = load_model(uri, model_uri)
    except Exception as err:
        if not is_store_error(err):
            raise
        raise UserInputError(f"--model {model_uri}: not found in {uri} ({err})") from None
    prep = prepare(cfg, data, min_origins=1)
    feats = prep.features
    needed = list(getattr(model, "feature_names_in_", feats.X.columns))
    missing = [c for c in needed if c not in feats.X.columns]
    if missing:
        raise UserInputError(
            f"{cfg.path or 'config'}: the model needs feature {missing[0]!r}, which this "
            "config does not build (check features.families)"
        )
    from earlywarn.tracking import load_recalibration

    recal = load_recalibration(uri, version["run_id"])
    return LoadedModel(uri, version, model, prep, feats.X[needed], recal)

"""Old module paths from before the wings still import: saved models name their classes by
module path (pickle, joblib and skops all look the class up by it)."""

from __future__ import annotations

import importlib
import pickle

import pytest

from earlywarn._compat import OLD_PATHS


@pytest.mark.parametrize("old", sorted(OLD_PATHS))
def test_an_old_module_path_is_the_new_module(old):
    assert importlib.import_module(old) is importlib.import_module(OLD_PATHS[old])


def test_a_model_pickled_under_an_old_class_path_loads():
    from earlywarn.models import OrdinalRiskClassifier

    # what an earlier version wrote: the class named by its old module path
    saved = pickle.dumps(OrdinalRiskClassifier(), protocol=0).replace(
        b"earlywarn.models._ordinal", b"earlywarn.ordinal"
    )
    assert b"earlywarn.ordinal\n" in saved
    model = pickle.loads(saved)
    assert type(model) is OrdinalRiskClassifier


def test_a_name_that_never_existed_still_fails():
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("earlywarn.no_such_module")


def test_skops_trusts_the_old_class_paths_of_saved_models():
    """A model saved before the wings names its classes by their old paths; loading it with
    the package's trusted list must not refuse them as untrusted types."""
    from earlywarn.models.registry import trusted_types

    trusted = set(trusted_types())
    assert "earlywarn.ordinal.OrdinalRiskClassifier" in trusted
    assert "earlywarn.mixed.MixedLogitClassifier" in trusted
    assert "earlywarn.models._ordinal.OrdinalRiskClassifier" in trusted

"""The ordinal risk model keeps sklearn's binary classifier contract."""

from __future__ import annotations

import warnings

from sklearn.utils.estimator_checks import parametrize_with_checks

from earlywarn.models import OrdinalRiskClassifier


@parametrize_with_checks([OrdinalRiskClassifier(maxiter=200)])
def test_sklearn_contract(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels' convergence warnings on toy data
        check(estimator)

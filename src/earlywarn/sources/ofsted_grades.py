"""Ofsted judgements and inspection events: the pieces every Ofsted table shares.

Grades on the common 4-point scale (:func:`parse_grade`), published dates
(:func:`parse_date`), the ILACS sub-judgement columns (:data:`SUB_COLUMNS`) and one
inspection event row (:func:`event_row`), used by :mod:`earlywarn.sources.ofsted` and
:mod:`earlywarn.sources.ofsted_in_year`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from earlywarn.errors import UserInputError

__all__ = ["GRADE_WORDS", "SUB_COLUMNS", "SUB_GRADES", "event_row", "parse_date", "parse_grade"]

GRADE_WORDS = {
    "outstanding": 1,
    "good": 2,
    "requires improvement to be good": 3,
    "requires improvement": 3,
    "adequate": 3,
    "satisfactory": 3,
    "inadequate": 4,
}
_NOT_JUDGED = {"", "-", "n/a", "not judged", "not applicable"}
SUB_GRADES = [
    "grade_leadership",
    "grade_help_protection",
    "grade_children_in_care",
    "grade_care_leavers",
    "grade_adoption",
    "grade_lscb",
    "grade_slac_safeguarding",
    "grade_slac_lac",
]

SUB_COLUMNS = {
    "The impact of leaders on social work practice with children and families": (
        "grade_leadership"
    ),
    "The experiences and progress of children who need help and protection": (
        "grade_help_protection"
    ),
    "The experiences and progress of children in care": "grade_children_in_care",
    "The experiences and progress of care leavers": "grade_care_leavers",
}


def parse_grade(text: object, where: str) -> float:
    """Map an Ofsted judgement to the 4-point scale (see the module docstring).

    Examples
    --------
    >>> parse_grade("Requires improvement to be good", "file")
    3.0
    >>> parse_grade(" - ", "file")
    nan
    """
    s = " ".join(str(text).strip().lower().split())
    if s in _NOT_JUDGED or s == "nan":
        return np.nan
    if s in GRADE_WORDS:
        return float(GRADE_WORDS[s])
    raise UserInputError(
        f"{where}: {text!r} is not an Ofsted judgement (expected Outstanding, Good, "
        "Requires improvement to be good, Adequate or Inadequate)"
    )


def parse_date(text: str, where: str) -> pd.Timestamp:
    s = str(text).strip()
    if not s:
        return pd.NaT
    try:
        return pd.Timestamp(pd.to_datetime(s, format="ISO8601"))
    except ValueError:
        try:
            return pd.Timestamp(pd.to_datetime(s, dayfirst=True))
        except ValueError as exc:
            raise UserInputError(
                f"{where}: {text!r} is not a date (expected YYYY-MM-DD or DD/MM/YYYY)"
            ) from exc


def event_row(code, date, framework, severity, la_name, source, **extra) -> dict:
    row = {
        "council_code": code,
        "date": date,
        "event_type": "inspection",
        "service": "childrens_services",
        "severity": severity,
        "source": source,
        "framework": framework,
        "published": date,
        "inspection_start": pd.NaT,
        "la_name": la_name,
    }
    row.update({g: np.nan for g in SUB_GRADES})
    row.update(extra)
    return row

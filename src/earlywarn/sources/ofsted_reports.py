"""What Ofsted's own children's services reports say: dated leadership facts and counts.

Reads every PDF under an ``ofsted_reports`` folder laid out as
``{urn}_{la name}/{link text} - {d month yyyy}.pdf`` (the D2I collection: the date in the
file name is the **publication date** on Ofsted's reports site). The text comes from
:func:`earlywarn.sources.pdf_text.read_pdf_text` (pypdf, cached by file hash). The URN is
resolved to the council in force on the publication date.

From each readable report (counts and dates only; the text never leaves this module):

- ``report_improve_points``: points listed under "What needs to improve" (ILACS: the
  bullets of that section) or, in SIF reports, the numbered or bulleted points (a numbered
  line heading a group of bullets is not itself a point) of the first
  "What does the local authority need to improve?" section (2014: "Priority and
  immediate action" and "Areas for improvement") or "Recommendations" section (2015-18);
  NaN when the report has neither (the 2012-13 frameworks);
- ``report_workforce_mentions``: mentions of workforce instability words - agency
  (staff/workers/social workers), caseload(s), turnover, vacancy/vacancies, churn;
- ``report_interim_leaders``: 1 when the report mentions an interim or acting director of
  children's services or chief executive, else 0;
- ``report_improve_<outcome>`` (:data:`FRAMEWORK_OUTCOMES`): the "what needs to improve"
  points of a **post-reform** ILACS report (inspections from April 2026) tagged to each
  outcome of the children's social care national framework - families stay together and
  get help (``help``), support from the family network (``family_network``), safe in and
  outside the home (``safe``), stable, loving homes for children in care and care leavers
  (``stable_homes``) - and to its enablers (``enablers``). A point is tagged by the
  outcome heading it sits under ("Outcome 3: Children and young people are safe in and
  outside of their homes") or by a tag in the point itself ("... (Outcome: children in
  care and care leavers have stable, loving homes)", "[Enabler: the workforce ...]").
  Counts only, never text; NaN for every outcome of a report with no tagged point (every
  report before the reform: no post-reform report is in the 2025 vintage);
- leadership events: a sentence "The [interim|acting] director of children's services
  (DCS) has been in post since [d] Month yyyy" (or "... and the chief executive since
  ...") gives a ``leadership_change`` event (``service`` ``dcs`` or ``chief_executive``,
  ``severity`` 2 when interim or acting, else 1) dated that day, or the first of that
  month, or 1 January where only a year is given ("since 2011"), **published on the
  report's publication date** (:func:`asof_events` keeps it out
  of every earlier origin). A chief executive "of the trust" (a children's services trust)
  is not the council's and is skipped. The same appointment read from several reports is
  kept once, with its earliest publication.

The counts are attached to the council's Ofsted inspection event published within
:data:`MATCH_DAYS` days of the file's date (the printed date can differ by days); a
report with no such event is counted as unmatched. A file that cannot be read is listed in
``SourceReport.unreadable`` with the reason, never raised. A folder name without a URN or
a file name without a date is a user error naming the file.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from earlywarn.errors import UserInputError
from earlywarn.sources._common import SourceReport, find_files
from earlywarn.sources.crosswalk import Crosswalk
from earlywarn.sources.pdf_text import parse_uncached, read_pdf_text

__all__ = [
    "FRAMEWORK_OUTCOMES",
    "MATCH_DAYS",
    "REPORT_COUNT_COLUMNS",
    "attach_report_counts",
    "count_improve_points",
    "count_improve_points_by_outcome",
    "count_workforce_mentions",
    "leadership_facts",
    "load_ofsted_reports",
]

MATCH_DAYS = 45
MONTHS = {
    m: i + 1
    for i, m in enumerate(
        "january february march april may june july august september october november "
        "december".split()
    )
}
_DATE = (
    r"(?:(\d{1,2})\s+)?(?:(January|February|March|April|May|June|July|August|September|"
    r"October|November|December)\s+)?(\d{4})\b"
)
_DCS = (
    r"(?:executive\s+)?director\s+(?:of|for)\s+children[’'`s]*\s+services"
    r"(?:\s*\([^()]{1,60}\))*|DCS"
)
_SUBJECT = re.compile(
    r"\bThe\s+(?P<adj>(?:(?:current|new|interim|acting)\s+)*)(?P<role>" + _DCS + r"|chief\s+"
    r"executive(?P<trust>\s+of\s+the\s+trust)?(?:\s+of\s+[A-Z][\w ,&'’-]{0,60}?Council)?)"
    r"\s+has\s+been\s+in\s+post\s+since\s+" + _DATE + r"(?P<rest>[^.]{0,120})",
    re.I,
)
_AND_CX = re.compile(
    r"and\s+the\s+(?P<adj>(?:(?:interim|acting)\s+)*)chief\s+executive\s+since\s+" + _DATE,
    re.I,
)
_INTERIM = re.compile(
    r"\b(?:interim|acting)\s+(?:" + _DCS + r"|chief\s+executive|director\b)", re.I
)
_WORKFORCE = re.compile(
    r"\bagency\s+(?:social\s+workers?|staff|workers?|managers?)\b|\bcaseloads?\b|"
    r"\bturnover\b|\bvacanc(?:y|ies)\b|\bchurn\b",
    re.I,
)
_FILE_DATE = re.compile(r"-\s*(\d{1,2})\s+([a-z]+)\s+(\d{4})\s*\.pdf$", re.I)
_BULLET = re.compile(r"^\s*[\uf06e\uf0a7\uf0b7\u2022\u25a0\u25aa\u25cf\u25fc\u2013-]\s*\S")
_NUMBERED = re.compile(r"^\s*\d{1,3}\.\s+\S")
_NONE = re.compile(r"did not (find|identify) any", re.I)


def _date(day: str | None, month: str | None, year: str) -> pd.Timestamp | None:
    """The date; the first of the month without a day, 1 January with only a year."""
    if month is None:
        day = None
    try:
        return pd.Timestamp(
            int(year), MONTHS[month.lower()] if month else 1, int(day) if day else 1
        )
    except (ValueError, KeyError):
        return None


def leadership_facts(text: str) -> list[tuple[str, pd.Timestamp, float]]:
    """``(role, in post since, severity)`` from the report text (see the module docstring).

    Example
    -------
    >>> facts = leadership_facts("The interim Director of Children's Services has been in "
    ...     "post since June 2015. The chief executive has been in post since 1 April 2009.")
    >>> [(role, str(since.date()), sev) for role, since, sev in facts]
    [('dcs', '2015-06-01', 2.0), ('chief_executive', '2009-04-01', 1.0)]
    """
    flat = " ".join(text.split())
    out: list[tuple[str, pd.Timestamp, float]] = []
    for m in _SUBJECT.finditer(flat):
        when = _date(m.group(4), m.group(5), m.group(6))
        if when is None:
            continue
        interim = 2.0 if re.search(r"interim|acting", m.group("adj"), re.I) else 1.0
        role = "chief_executive" if m.group("role").lower().startswith("chief") else "dcs"
        if m.group("trust"):
            continue
        out.append((role, when, interim))
        cx = _AND_CX.match(m.group("rest").strip(" ,"))
        if cx:
            when = _date(cx.group(2), cx.group(3), cx.group(4))
            if when is not None:
                sev = 2.0 if cx.group("adj").strip() else 1.0
                out.append(("chief_executive", when, sev))
    # "since 2012" elsewhere in a report that also says "since March 2012": one appointment
    precise = {(r, d.year) for r, d, _ in out if (d.month, d.day) != (1, 1)}
    seen, unique = set(), []
    for fact in out:
        role, when, _ = fact
        vague = (when.month, when.day) == (1, 1) and (role, when.year) in precise
        if fact not in seen and not vague:
            seen.add(fact)
            unique.append(fact)
    return unique


def _section(lines: list[str], start: re.Pattern, stop: re.Pattern) -> list[str] | None:
    for i, line in enumerate(lines):
        if start.search(line):
            body = []
            for nxt in lines[i + 1 :]:
                if stop.search(nxt):
                    break
                body.append(nxt)
            return body
    return None


_ILACS_START = re.compile(r"^\s*What needs to improve\b", re.I)
_ILACS_STOP = re.compile(
    r"^\s*(The (experiences|impact|quality)\b|\d{1,3}\.\s|Inspection of|Ofsted will|"
    r"Local authority services for children|What needs to improve)",
    re.I,
)
_SIF_START = re.compile(
    r"^\s*(What does the local authority need to improve\?|Recommendations)\s*$", re.I
)
_SIF_STOP = re.compile(
    r"^\s*(Summary for children|Summary of this|Information about this|Contents\b|"
    r"Key strengths|The local authority[’'`]?s strengths|Progress since the last|"
    r"Summary of findings|Inspection judgement|The Local Safeguarding|Executive summary|"
    r"What does the LSCB)",
    re.I,
)


def count_improve_points(text: str) -> float:
    """Points under 'what needs to improve' (ILACS bullets, SIF numbered points); NaN if
    the report has no such section.

    Example
    -------
    >>> count_improve_points("Judgement\\nWhat needs to improve \\n\\uf06e One\\nmore\\n"
    ...                      "\\uf06e Two\\n\\nThe experiences and progress of children")
    2.0
    """
    lines = text.replace("\f", "\n").splitlines()
    body = _section(lines, _ILACS_START, _ILACS_STOP)
    if body is not None:
        n = sum(1 for line in body if _BULLET.match(line))
        if n:
            return float(n)
    body = _section(lines, _SIF_START, _SIF_STOP)
    if body is not None:
        body = [line for line in body if line.strip() and not _NONE.search(line)]
        marks = [
            "b" if _BULLET.match(line) else "n"
            for line in body
            if _BULLET.match(line) or _NUMBERED.match(line)
        ]
        # a numbered point followed by bullets heads a group: the bullets are the points
        heads = sum(1 for a, b in zip(marks, marks[1:], strict=False) if a + b == "nb")
        return float(len(marks) - heads)
    return np.nan


#: national-framework outcome key -> words matching its name (the outcome's number in the
#: framework is its place here; the enablers come last)
FRAMEWORK_OUTCOMES = {
    "help": r"stay\s+together|get\s+the\s+help|help\s+and\s+support\s+they\s+need",
    "family_network": r"family\s+networks?",
    "safe": r"safe\s+in\s+and\s+outside|are\s+safe\b",
    "stable_homes": r"stable,?\s+loving\s+homes|care\s+leavers\s+have\s+stable",
    "enablers": r"enablers?\b|workforce\s+is\s+equipped|leaders\s+drive|agencies\s+work"
    r"\s+together",
}
_OUTCOME_WORDS = {k: re.compile(v, re.I) for k, v in FRAMEWORK_OUTCOMES.items()}
# a heading line: "Outcome 2: ...", "National framework outcome: ...", "Enablers", or an
# outcome's name opening its line with a capital (a wrapped line of a point does not)
_OUTCOME_HEAD = re.compile(
    r"^\s*(?:(?:national\s+framework\s+)?(?:outcome|enabler)s?\s*(?P<n>\d)?\s*[:.\-–]?|"
    r"(?=(?-i:[CTLA])(?:hildren,\s+young\s+people\s+and\s+families\s+stay|hildren\s+and\s+"
    r"young\s+people\s+are\s+(?:supported|safe)|hildren\s+in\s+care\s+and\s+care\s+leavers"
    r"\s+have|he\s+workforce\s+is|eaders\s+drive|gencies\s+work\s+together)))",
    re.I,
)
# a tag inside a point: "(Outcome: ...)", "[Outcome 4]", "- Enabler: ..."
_OUTCOME_TAG = re.compile(
    r"[(\[]\s*(?:national\s+framework\s+)?(?P<kind>outcome|enabler)s?\s*(?P<n>\d)?"
    r"\s*[:.\-–]?\s*(?P<words>[^)\]]*)(?:[)\]]|\s*$)",  # a tag may wrap onto the next line
    re.I,
)
REPORT_COUNT_COLUMNS = [
    "report_improve_points",
    "report_workforce_mentions",
    "report_interim_leaders",
    *[f"report_improve_{k}" for k in FRAMEWORK_OUTCOMES],
]


def _outcome(kind: str, number: str | None, words: str) -> str | None:
    keys = list(FRAMEWORK_OUTCOMES)
    if kind.lower().startswith("enabler"):
        return "enablers"
    for k, pattern in _OUTCOME_WORDS.items():
        if pattern.search(words):
            return k
    if number and 1 <= int(number) <= 4:
        return keys[int(number) - 1]
    return None


def count_improve_points_by_outcome(text: str) -> dict[str, float]:
    """Points under "What needs to improve" per national-framework outcome (module notes).

    Example
    -------
    >>> text = ("What needs to improve\\nOutcome 3: Children and young people are safe in "
    ...         "and outside of their homes\\n\\u2022 Strategy meetings.\\n\\u2022 Return "
    ...         "interviews.\\nEnablers: The workforce is equipped and effective\\n\\u2022 "
    ...         "Caseloads.\\n\\nThe experiences and progress of children")
    >>> count_improve_points_by_outcome(text)["safe"], count_improve_points_by_outcome(text)["help"]
    (2.0, 0.0)
    >>> count_improve_points_by_outcome("What needs to improve\\n\\u2022 One.")["safe"]
    nan
    """
    lines = text.replace("\f", "\n").splitlines()
    body = _section(lines, _ILACS_START, _ILACS_STOP) or []
    counts = dict.fromkeys(FRAMEWORK_OUTCOMES, 0.0)
    current, tagged = None, False
    for line in body:
        if _BULLET.match(line):
            tag = _OUTCOME_TAG.search(line)
            key = _outcome(tag["kind"], tag["n"], tag["words"]) if tag else current
            if key is not None:
                counts[key] += 1
                tagged = True
            continue
        head = _OUTCOME_HEAD.match(line)
        if head and line.strip():
            kind = "enabler" if re.match(r"\s*enabler", line, re.I) else "outcome"
            key = _outcome(kind, head["n"], line)
            if key is not None:
                current = key
    if not tagged:
        return dict.fromkeys(FRAMEWORK_OUTCOMES, np.nan)
    return counts


def count_workforce_mentions(text: str) -> float:
    """Mentions of agency staff, caseloads, turnover, vacancies or churn.

    Example
    -------
    >>> count_workforce_mentions("High caseloads and agency social workers; turnover fell.")
    3.0
    """
    return float(len(_WORKFORCE.findall(" ".join(text.split()))))


def _file_date(path: Path) -> pd.Timestamp:
    m = _FILE_DATE.search(path.name)
    when = _date(m.group(1), m.group(2), m.group(3)) if m else None
    if when is None:
        raise UserInputError(
            f"{path}: the file name has no publication date (expected '... - d month yyyy.pdf')"
        )
    return when


def load_ofsted_reports(
    raw_dir: Path, crosswalk: Crosswalk, use_cache: bool = True
) -> tuple[pd.DataFrame, pd.DataFrame, SourceReport]:
    """Read every report PDF under ``raw_dir`` (see the module docstring).

    Returns
    -------
    reports : pandas.DataFrame
        One row per readable report: ``council_code, published, report_improve_points,
        report_workforce_mentions, report_interim_leaders, file``.
    leadership : pandas.DataFrame
        ``leadership_change`` events (``council_code, date, event_type, service,
        severity, source, published``).
    report : SourceReport
        Files read; ``unreadable`` lists files that could not be read, with the reason.
    """
    from earlywarn.progress import step

    rep = SourceReport("ofsted_reports")
    rows, facts = [], []
    pdfs = [  # any case: downloads come as .PDF
        path
        for path in find_files(Path(raw_dir), "*.pdf")
        if any(p.name == "ofsted_reports" for p in path.parents)
    ]
    if use_cache:  # parse the files not cached yet in parallel, with progress
        step(f"Ofsted report PDFs: {len(pdfs)} files")
        parse_uncached(pdfs, progress=step)
    for path in pdfs:
        folder = path.parent.name
        m = re.match(r"(\d+)_", folder)
        if not m:
            raise UserInputError(
                f"{path}: the folder name {folder!r} does not start with an Ofsted URN "
                "(expected '{urn}_{la name}')"
            )
        published = _file_date(path)
        rep.files.append(str(path))
        rep.rows_read += 1
        code = crosswalk.resolve_urn(m.group(1), published)
        if code is None:
            rep.add_unmatched(f"{m.group(1)} ({folder})", path, None, m.group(1))
            rep.skip("URN not an upper-tier council on the publication date")
            continue
        got = read_pdf_text(path, use_cache=use_cache)
        if got.error:
            rep.unreadable.append(f"{path}: {got.error}")
            rep.skip("unreadable PDF")
            continue
        text = got.text
        outcomes = count_improve_points_by_outcome(text)
        rows.append(
            {
                "council_code": code,
                "published": published,
                "report_improve_points": count_improve_points(text),
                "report_workforce_mentions": count_workforce_mentions(text),
                "report_interim_leaders": float(bool(_INTERIM.search(" ".join(text.split())))),
                **{f"report_improve_{k}": v for k, v in outcomes.items()},
                "file": str(path),
            }
        )
        for role, since, severity in leadership_facts(text):
            if since > published:
                rep.skip("in-post date after the publication date")
                continue
            facts.append((code, since, role, severity, published))
    reports = pd.DataFrame(
        rows, columns=["council_code", "published", *REPORT_COUNT_COLUMNS, "file"]
    )
    lead = pd.DataFrame(facts, columns=["council_code", "date", "service", "severity", "published"])
    lead = lead.sort_values(["council_code", "service", "date", "published"], kind="stable")
    lead = lead.drop_duplicates(["council_code", "service", "date"], keep="first")
    lead = lead.assign(event_type="leadership_change", source="ofsted_report_text")
    lead = lead[
        ["council_code", "date", "event_type", "service", "severity", "source", "published"]
    ]
    rep.rows_out = len(reports) + len(lead)
    return reports.reset_index(drop=True), lead.reset_index(drop=True), rep


def attach_report_counts(
    events: pd.DataFrame, reports: pd.DataFrame, rep: SourceReport
) -> pd.DataFrame:
    """Copy each report's counts onto the council's Ofsted inspection event published
    closest to the file's date (within :data:`MATCH_DAYS` days)."""
    cols = REPORT_COUNT_COLUMNS
    events = events.copy()
    for c in cols:
        events[c] = np.nan
    insp = events[events["event_type"].eq("inspection")]
    by_council = {c: g for c, g in insp.groupby("council_code")}
    used = set()
    for r in reports.itertuples(index=False):
        g = by_council.get(r.council_code)
        if g is None:
            rep.skip("report not matched to an inspection")
            continue
        gap = (g["date"] - r.published).abs()
        j = gap.idxmin()
        if gap[j] > pd.Timedelta(days=MATCH_DAYS) or j in used:
            rep.skip("report not matched to an inspection")
            continue
        used.add(j)
        for c in cols:
            events.at[j, c] = getattr(r, c)
    return events

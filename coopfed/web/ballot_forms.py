"""Ballot forms for every method, without JavaScript, and reading them back into choices.

Kinds of form:
- `single`: one radio per option (yes/no/block, consent/objection, consensus, advice);
- `multi`: a checkbox per option (approval; budget, with each project's cost in its label);
- `grid`: yes / if need be / no radios per slot (meeting), a slot left empty counting as no;
- `points`: a number input per option (score within [min, max], dots summing to ≤ D);
- `ranked`: one select per rank position ("1st choice", "2nd choice", …) for Borda, IRV, STV
  and Schulze.
Field names carry option indexes, never option names, so any option text is safe in a form.
An "Abstain" button comes with every form. The engine's own validation (`cast_vote` with
`keep_invalid=False`) has the last word; this module only turns fields into a choice payload.
Hints, answer and rank labels and field errors are in the page's language (`tr`, English by
default).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from starlette.datastructures import FormData

from coopfed.governance import methods
from coopfed.governance.methods.choice import ChoiceSpec
from coopfed.web.translate import ENGLISH, N_, Translator

ABSTAIN = "abstain"
RANKED = frozenset({"borda@1", "irv@1", "stv@1", "schulze@1"})
MAX_REASON = 2000
ORDINALS = (N_("1st"), N_("2nd"), N_("3rd"))
GRID_ANSWERS = (("yes", N_("Yes")), ("if_need_be", N_("If need be")), ("no", N_("No")))


@dataclass(frozen=True)
class BallotForm:
    kind: str  # single | multi | grid | points | ranked
    options: tuple[str, ...]
    hint: str
    reason_field: bool = False  # consent: an objection needs a reason
    min_points: int = 0
    max_points: int | None = None
    labels: tuple[str, ...] = ()  # shown instead of the option names when set (budget costs)
    tr: Translator = dataclass_field(
        default=ENGLISH, compare=False, repr=False
    )  # the page's language

    @property
    def option_labels(self) -> tuple[str, ...]:
        return self.labels or self.options

    @property
    def answers(self) -> tuple[tuple[str, str], ...]:
        return tuple((value, self.tr.gettext(label)) for value, label in GRID_ANSWERS)

    @property
    def rank_labels(self) -> list[str]:
        return [rank_label(n, self.tr) for n in range(1, len(self.options) + 1)]


class BallotFormError(Exception):
    """Fields that cannot be read; `errors` maps field names to messages for people.
    `submitted` is what the member had filled in, in `selected`'s shape, so the form comes
    back as they left it (a refused ranking must not make them rank everything again)."""

    def __init__(self, errors: Mapping[str, str], submitted: Any = None) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = dict(errors)
        self.submitted = submitted


@dataclass(frozen=True)
class ReadBallot:
    choice: Any  # the method's payload, or ABSTAIN
    reason: str = ""


def ordinal(n: int, tr: Translator = ENGLISH) -> str:
    if n <= len(ORDINALS):
        return tr.gettext(ORDINALS[n - 1])
    return tr.gettext("%(n)sth", n=n)


def rank_label(n: int, tr: Translator = ENGLISH) -> str:
    return tr.gettext("%(ordinal)s choice", ordinal=ordinal(n, tr))


def _options(method: str, spec: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(str(option) for option in getattr(methods.parse_spec(method, spec), "options", ()))


def ballot_form(method: str, spec: Mapping[str, Any], tr: Translator = ENGLISH) -> BallotForm:
    """The form for a proposal's method and spec (raises GovernanceError on a bad spec)."""
    options = _options(method, spec)
    parsed = methods.parse_spec(method, spec)
    if not isinstance(parsed, ChoiceSpec):
        consent = method == "consent@1"
        hint = tr.gettext("An objection needs a reason.") if consent else tr.gettext("Choose one.")
        return BallotForm("single", options, hint, reason_field=consent, tr=tr)
    if method == "approval@1":
        most = parsed.max_choices if parsed.max_choices is not None else len(options)
        hint = tr.gettext(
            "Choose between %(least)s and %(most)s options.", least=parsed.min_choices, most=most
        )
        return BallotForm("multi", options, hint, tr=tr)
    if method == "meeting@1":
        hint = tr.gettext(
            "Answer each time slot: yes, if need be, or no. A slot left empty counts as no."
        )
        return BallotForm("grid", options, hint, tr=tr)
    if method == "budget@1":
        costs = parsed.cost_of
        hint = tr.gettext(
            "Approve the projects you support. The budget is %(budget)s.", budget=parsed.budget
        )
        if parsed.limit_to_budget:
            hint += " " + tr.gettext(
                "The projects you approve must cost no more than the budget together."
            )
        labels = tuple(
            tr.gettext("%(option)s (cost %(cost)s)", option=option, cost=costs[option])
            for option in options
        )
        return BallotForm("multi", options, hint, labels=labels, tr=tr)
    if method == "score@1":
        hint = tr.gettext(
            "Give each option a score from %(least)s to %(most)s.",
            least=parsed.min_score,
            most=parsed.max_score,
        )
        if not parsed.require_all:
            hint += " " + tr.gettext("Leave an option empty to not score it.")
        return BallotForm("points", options, hint, False, parsed.min_score, parsed.max_score, tr=tr)
    if method == "dots@1":
        if parsed.exact:
            hint = tr.gettext(
                "Share out exactly %(dots)s dots between the options.", dots=parsed.dots
            )
        else:
            hint = tr.gettext(
                "Share out at most %(dots)s dots between the options.", dots=parsed.dots
            )
        return BallotForm("points", options, hint, False, 0, parsed.dots, tr=tr)
    least = max(parsed.min_ranked, 1)
    hint = tr.ngettext(
        "Rank at least %(num)s option, most preferred first.",
        "Rank at least %(num)s options, most preferred first.",
        least,
    )
    if parsed.require_complete:
        hint = tr.gettext("Rank every option, most preferred first.")
    return BallotForm("ranked", options, hint, tr=tr)


def read_ballot(form: BallotForm, data: FormData) -> ReadBallot:
    """The choice the submitted form expresses; raises BallotFormError for unreadable fields."""
    reason = _text(data, "reason")[:MAX_REASON].strip()
    if _text(data, "action") == ABSTAIN:
        return ReadBallot(ABSTAIN, reason)
    if form.kind == "single":
        return ReadBallot(_single(form, data), reason)
    if form.kind == "multi":
        return ReadBallot(_multi(form, data), reason)
    if form.kind == "grid":
        return ReadBallot(_grid(form, data), reason)
    if form.kind == "points":
        return ReadBallot(_points(form, data), reason)
    return ReadBallot(_ranked(form, data), reason)


def _text(data: FormData, name: str) -> str:
    value = data.get(name)
    return value if isinstance(value, str) else ""


def _index(form: BallotForm, raw: str) -> int | None:
    if not raw.isdigit() or int(raw) >= len(form.options):
        return None
    return int(raw)


def _single(form: BallotForm, data: FormData) -> str:
    index = _index(form, _text(data, "choice"))
    if index is None:
        raise BallotFormError(
            {"choice": form.tr.gettext("Choose one of the options (or abstain).")}
        )
    if form.reason_field and form.options[index] == "objection" and not _text(data, "reason"):
        message = form.tr.gettext("An objection needs a reason: say what would change it.")
        raise BallotFormError({"reason": message}, submitted=form.options[index])
    return form.options[index]


def _multi(form: BallotForm, data: FormData) -> list[str]:
    picked: list[str] = []
    for raw in data.getlist("option"):
        index = _index(form, raw if isinstance(raw, str) else "")
        if index is None:
            sent = form.tr.gettext("An option that is not on this ballot was sent.")
            raise BallotFormError({"choice": sent})
        if form.options[index] not in picked:
            picked.append(form.options[index])
    return [option for option in form.options if option in picked]  # ballot order


def _grid(form: BallotForm, data: FormData) -> dict[str, str]:
    answers: dict[str, str] = {}
    errors: dict[str, str] = {}
    known = {value for value, _ in GRID_ANSWERS}
    for index, option in enumerate(form.options):
        field = f"slot-{index}"
        raw = _text(data, field)
        if not raw:
            continue
        if raw not in known:
            errors[field] = form.tr.gettext("Answer yes, if need be, or no.")
            continue
        answers[option] = raw
    if errors:
        raise BallotFormError(errors)
    if not answers:
        empty = form.tr.gettext("Answer at least one time slot (or abstain).")
        raise BallotFormError({"choice": empty})
    return answers


def _points(form: BallotForm, data: FormData) -> dict[str, int]:
    points: dict[str, int] = {}
    errors: dict[str, str] = {}
    for index, option in enumerate(form.options):
        field = f"points-{index}"
        raw = _text(data, field).strip()
        if not raw:
            continue
        try:
            value = int(raw)
        except ValueError:
            errors[field] = form.tr.gettext("Write a whole number.")
            continue
        if value < form.min_points or (form.max_points is not None and value > form.max_points):
            errors[field] = form.tr.gettext(
                "Between %(least)s and %(most)s.", least=form.min_points, most=form.max_points
            )
            continue
        points[option] = value
    if errors:
        raise BallotFormError(errors, submitted=points)
    return points


def _ranked(form: BallotForm, data: FormData) -> list[str]:
    ranking: list[str] = []
    errors: dict[str, str] = {}
    gap_at: str | None = None
    by_rank: list[str | None] = []  # what each rank's select held, gaps and repeats included
    for position in range(1, len(form.options) + 1):
        field = f"rank-{position}"
        raw = _text(data, field)
        index = _index(form, raw) if raw else None
        by_rank.append(form.options[index] if index is not None else None)
        if not raw:
            gap_at = gap_at or field
            continue
        if index is None:
            errors[field] = form.tr.gettext("Pick one of the options.")
        elif form.options[index] in ranking:
            errors[field] = form.tr.gettext(
                "%(option)s is already ranked higher.", option=form.options[index]
            )
        elif gap_at is not None:
            errors[gap_at] = form.tr.gettext("Fill the ranks in order: this one is empty.")
        else:
            ranking.append(form.options[index])
    if errors:
        raise BallotFormError(errors, submitted=by_rank)
    return ranking


def selected(form: BallotForm, choice: Any) -> dict[str, Any]:
    """Values to pre-fill the form with a ballot already cast (or a refused one)."""
    if form.kind == "single":
        return {"choice": choice}
    if form.kind == "multi":
        return {"picked": list(choice) if isinstance(choice, list) else []}
    if form.kind == "points":
        return {"points": dict(choice) if isinstance(choice, dict) else {}}
    if form.kind == "grid":
        return {"answers": dict(choice) if isinstance(choice, dict) else {}}
    return {"ranking": list(choice) if isinstance(choice, list) else []}

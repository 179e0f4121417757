"""Open questions: the unstated attributes whose answer would change the most risk.

An analysis assumes the insecure value of many unstated attributes, and stated
controls change findings only where they are stated. :func:`open_questions`
turns both into one ranked list of questions for the analyst:

* an attribute an *assumed* finding rests on: answering it with the secure
  value removes the finding, so the whole score is at stake;
* a control attribute (``catalogs/control-effects.yaml``) unstated where it
  would act on a finding: answering it removes the finding or moves its
  likelihood or impact; the score it would change is at stake (autonomy can
  also raise a score: the change counts either way).

Questions are ranked by the total score at stake over all findings, then by
model order. Answering one (in the model file or the workbench's model editor)
and analysing again re-ranks the list.

>>> import workbench as wb
>>> from workbench.rules.questions import open_questions
>>> qs = open_questions(wb.analyze(wb.load_template("fraud-classifier")))
>>> qs[0].risk >= qs[-1].risk
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workbench._records import Record

if TYPE_CHECKING:  # pragma: no cover
    from workbench.rules.engine import AnalysisResult

__all__ = ["OpenQuestion", "open_questions"]


@dataclass(frozen=True)
class OpenQuestion(Record):
    """One unstated attribute and what answering it would change.

    ``element`` is the component or flow id (``element_name`` its display name),
    ``attribute`` the unstated attribute; ``answers`` the values that would
    change findings (``"secure value"`` for an assumption the rule made);
    ``risk`` the total score at stake; ``findings`` the finding ids concerned,
    highest stake first; ``removes`` how many of them the answer would remove;
    ``text`` one sentence for the summary, the workbench and the report.
    """

    element: str
    element_name: str
    attribute: str
    answers: tuple[str, ...]
    risk: int
    findings: tuple[str, ...]
    removes: int
    text: str


def _shown(value: Any) -> str:
    return "true" if value is True else "false" if value is False else str(value)


def open_questions(result: AnalysisResult, *, limit: int | None = None) -> list[OpenQuestion]:
    """The unstated attributes whose answer would change the most risk, ranked by how much."""
    by_id = {f.id: f for f in result.findings}
    # (element, attribute) -> finding id -> (stake, removes, answer)
    stakes: dict[tuple[str, str], dict[str, tuple[int, bool, str]]] = {}

    def note(key: tuple[str, str], fid: str, stake: int, removes: bool, answer: str) -> None:
        per = stakes.setdefault(key, {})
        old = per.get(fid)
        if old is None or stake > old[0]:
            per[fid] = (stake, removes, answer)

    for fid, pairs in result.unstated.items():
        f = by_id.get(fid)
        if f is None or not f.assumed:
            continue
        for el, attr in pairs:
            note((el, attr), fid, f.score, True, "the secure value")
    for fid, pending in result.pending.items():
        f = by_id.get(fid)
        if f is None:
            continue
        for p in pending:
            e = p.effect
            if e.removes:
                stake, removes = f.score, True
            else:
                lik = max(1, min(5, f.likelihood + e.likelihood))
                imp = max(1, min(5, f.impact + e.impact))
                stake, removes = abs(f.score - lik * imp), False
            if stake:
                note((p.element, p.attribute), fid, stake, removes, _shown(p.value))
    names = _names(result)
    order = {el: i for i, el in enumerate(result.element_order)}
    out = []
    for (el, attr), per in stakes.items():
        ranked = sorted(per.items(), key=lambda kv: (-kv[1][0], kv[0]))
        risk = sum(v[0] for _k, v in ranked)
        removed = sum(1 for _k, v in ranked if v[1])
        answers = tuple(dict.fromkeys(v[2] for _k, v in ranked))
        name = names.get(el, el)
        what = f"{len(ranked)} finding{'s' if len(ranked) != 1 else ''}"
        effect = (
            f"would remove {removed} of {what}" if removed else f"would change the score of {what}"
        )
        text = (
            f"State {attr} on {name}: answering it ({' or '.join(answers)}) {effect} "
            f"(score at stake {risk})."
        )
        out.append(
            OpenQuestion(
                element=el,
                element_name=name,
                attribute=attr,
                answers=answers,
                risk=risk,
                findings=tuple(k for k, _v in ranked),
                removes=removed,
                text=text,
            )
        )
    out.sort(key=lambda q: (-q.risk, order.get(q.element, len(order)), q.attribute))
    return out[:limit] if limit is not None else out


def _names(result: AnalysisResult) -> dict[str, str]:
    names: dict[str, str] = {}
    for f in result.findings:
        names.setdefault(f.element, f.element_name)
    return names

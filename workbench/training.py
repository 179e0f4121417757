"""Exercises for the training notebook (``notebooks/05-training-course.ipynb``).

Each exercise gives the learner something to look at (a small model, a
scenario), an answer to fill in, and a check that says whether the answer is
right and *why*, using the workbench's own analysis, catalog and guidelines,
so the explanations never drift from what the tool does::

    >>> from workbench import training
    >>> training.check_band(None)
    not answered yet: replace None with your answer and run the cell again

A check never raises on a wrong or missing answer: it returns a
:class:`Feedback` that a notebook shows as the cell's result. Only a
programming mistake in the exercise itself raises.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "GUIDELINE_QUESTIONS",
    "TECHNIQUE_OPTIONS",
    "Feedback",
    "assumption_model",
    "check_assumption",
    "check_band",
    "check_guideline",
    "check_retriever_technique",
    "check_trust_boundary",
    "missing_boundary_model",
    "retriever_model",
    "solution",
]

NOT_ANSWERED = "not answered yet"
RIGHT = "right"
WRONG = "wrong"
_COLOURS = {NOT_ANSWERED: "#666666", RIGHT: "#1b7f3b", WRONG: "#b3261e"}
_MARKS = {NOT_ANSWERED: "…", RIGHT: "✔", WRONG: "✘"}


@dataclass(frozen=True)
class Feedback:
    """The result of a check: ``status`` is "not answered yet", "right" or "wrong"."""

    exercise: str
    status: str
    message: str
    details: tuple[str, ...] = field(default=())

    @property
    def correct(self) -> bool | None:
        """True when right, False when wrong, None when not answered."""
        if self.status == NOT_ANSWERED:
            return None
        return self.status == RIGHT

    def __str__(self) -> str:
        lines = [f"{self.status}: {self.message}", *(f"  - {d}" for d in self.details)]
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        colour = _COLOURS.get(self.status, "#333333")
        items = "".join(f"<li>{html.escape(d)}</li>" for d in self.details)
        return (
            f'<div class="wb-feedback" style="border-left:4px solid {colour};padding:4px 10px">'
            f'<b style="color:{colour}">{_MARKS.get(self.status, "")} {html.escape(self.status)}</b>'
            f": {html.escape(self.message)}" + (f"<ul>{items}</ul>" if items else "") + "</div>"
        )


def _unanswered(exercise: str) -> Feedback:
    return Feedback(exercise, NOT_ANSWERED, "replace None with your answer and run the cell again")


def _norm(text: Any) -> str:
    return " ".join(str(text).strip().lower().replace("_", " ").split())


def _round_trip(
    m: Any, hops: tuple[str, str, str], names: tuple[str, str, str, str], forwarded: list[str]
) -> None:
    """The four flows of a request from a user through a front end to a back end and the
    answer back: ``hops`` is (user, front, back), ``names`` the flows in that order."""
    user, front, back = hops
    ask, forward, result, answer = names
    m.add_flow(ask, user, front, ["user_input"])
    m.add_flow(forward, front, back, forwarded)
    m.add_flow(result, back, front, ["model_output"])
    m.add_flow(answer, front, user, ["model_output"])


# -- exercise 1: the missing trust boundary -------------------------------------------------------


def missing_boundary_model() -> Any:
    """A small chat assistant whose customer sits in the internal zone by mistake.

    Every component is in a trusted zone, so nothing the customer types counts
    as untrusted input and the analysis misses prompt injection entirely.
    """
    from workbench.model import SystemModel

    m = SystemModel(
        "practice-chat",
        name="Practice chat",
        description="A web chat that passes customers' questions to a hosted LLM.",
    )
    m.add_zone("provider", trust=1, name="LLM provider")
    m.add_zone("internal", trust=3, name="Internal")
    m.add_component("customer", "actor", "internal", name="Customer")
    m.add_component(
        "chat",
        "application",
        "internal",
        name="Chat service",
        internet_facing=True,
        authenticated=True,
        renders_model_output_as="text",
    )
    m.add_component(
        "llm",
        "model",
        "provider",
        name="Hosted LLM",
        model_type="llm",
        origin="third_party_api",
        system_prompt=True,
    )
    _round_trip(
        m,
        ("customer", "chat", "llm"),
        ("question", "prompt", "completion", "answer"),
        ["prompt", "user_input"],
    )
    return m


def check_trust_boundary(answer: Any) -> Feedback:
    """The learner's corrected model: the customer must be an untrusted entry point."""
    name = "trust-boundary"
    if answer is None:
        return _unanswered(name)
    from workbench.model import SystemModel
    from workbench.rules import analyze

    if not isinstance(answer, SystemModel):
        return Feedback(
            name,
            WRONG,
            f"expected the changed model (a SystemModel), got {type(answer).__name__}: "
            "set answer = model after changing it",
        )
    if "customer" not in answer or "chat" not in answer:
        return Feedback(name, WRONG, "keep the components 'customer' and 'chat' in the model")
    before = {f.id for f in analyze(missing_boundary_model()).findings}
    after = {f.id for f in analyze(answer).findings}
    customer, chat = answer.component("customer"), answer.component("chat")
    c_trust, s_trust = answer.trust_of("customer"), answer.trust_of("chat")
    entry = [c.id for c in answer.entry_points()]
    if "customer" not in entry:
        if c_trust >= s_trust:
            return Feedback(
                name,
                WRONG,
                f"the customer is in zone {customer.zone!r} (trust {c_trust}) and the chat service "
                f"in {chat.zone!r} (trust {s_trust}): data only counts as untrusted input when it "
                "moves from a zone of LOWER trust into a higher one",
                (
                    "add a zone such as 'internet' with trust 0 and move the customer there",
                    "or mark the customer trusted=False",
                ),
            )
        return Feedback(
            name, WRONG, "the customer is still not an entry point: check the flows from it"
        )
    new = sorted(after - before)
    details = [
        "the customer is now an entry point: " + "; ".join(answer.entry_point_reasons("customer")),
        "reachable from untrusted input: " + ", ".join(sorted(answer.reachable_from_untrusted())),
    ]
    if new:
        details.append("findings the analysis adds now: " + ", ".join(new))
    if "llm-direct-prompt-injection@llm" not in after:
        return Feedback(
            name,
            WRONG,
            "the customer is an entry point, but the customer's text does not reach the LLM "
            "any more: keep the flows question and prompt",
            tuple(details),
        )
    how = (
        f"the question flow now crosses a trust boundary ({customer.zone} trust {c_trust} -> "
        f"{chat.zone} trust {s_trust})"
        if c_trust < s_trust
        else "the customer is marked untrusted"
    )
    return Feedback(
        name,
        RIGHT,
        f"{how}, so what customers type is untrusted input and the LLM is exposed to direct "
        "prompt injection (AML.T0051.000)",
        tuple(details),
    )


# -- exercise 2: which technique applies to this retriever? ---------------------------------------


def retriever_model() -> Any:
    """An internal assistant that answers staff from a retriever over a shared inbox."""
    from workbench.model import SystemModel

    m = SystemModel(
        "mail-assistant",
        name="Mail assistant",
        description="Staff ask questions; the assistant answers from mails retrieved from the shared inbox.",
    )
    m.add_zone("internal", trust=3, name="Internal")
    m.add_component("staff", "actor", "internal", name="Staff", trusted=True)
    m.add_component(
        "inbox",
        "knowledge_source",
        "internal",
        name="Shared inbox",
        source_type="mail",
        writable_by_outsiders=True,
        sensitivity="confidential",
    )
    m.add_component(
        "retriever", "vector_store", "internal", name="Mail retriever", sensitivity="confidential"
    )
    m.add_component(
        "assistant", "application", "internal", name="Assistant", renders_model_output_as="text"
    )
    m.add_component(
        "llm",
        "model",
        "internal",
        name="Self-hosted LLM",
        model_type="llm",
        origin="open_weights",
        serialization="safetensors",
        hash_verified=True,
    )
    m.add_flow("ingest", "inbox", "retriever", ["retrieved_context"])
    m.add_flow("ask", "staff", "assistant", ["user_input"])
    m.add_flow("context", "retriever", "assistant", ["retrieved_context"])
    m.add_flow("prompt", "assistant", "llm", ["prompt", "retrieved_context"])
    m.add_flow("completion", "llm", "assistant", ["model_output"])
    m.add_flow("reply", "assistant", "staff", ["model_output"])
    return m


#: The choices of exercise 2: letter -> (technique id, why it is or is not the answer).
TECHNIQUE_OPTIONS: dict[str, tuple[str, str]] = {
    "a": (
        "AML.T0051.001",
        "anyone can mail the shared inbox; the retriever hands those mails to the LLM as context, "
        "so instructions hidden in a mail reach the model without the attacker ever using the "
        "assistant: indirect prompt injection",
    ),
    "b": (
        "AML.T0024.002",
        "extracting a model needs many queries to a model worth stealing and its answers; the "
        "outsiders here can only write mails, they cannot query the assistant",
    ),
    "c": (
        "AML.T0015",
        "evading a model means crafting input so that a classifier or detector decides wrongly; "
        "this LLM generates answers, it does not classify anything",
    ),
    "d": (
        "AML.T0044",
        "full model access means the attacker holds the weights; the mails give no path to the "
        "model files",
    ),
}
_TECHNIQUE_RIGHT = "a"
#: Also right: techniques the same finding lists (RAG poisoning and its kin).
_TECHNIQUE_ALSO_RIGHT = ("AML.T0070", "AML.T0071", "AML.T0051")


def check_retriever_technique(answer: Any) -> Feedback:
    """A letter (a-d) or an ATLAS technique id."""
    name = "retriever-technique"
    if answer is None:
        return _unanswered(name)
    from workbench.catalog import load_catalog
    from workbench.rules import analyze

    catalog = load_catalog()
    text = str(answer).strip()
    letter = text.lower().rstrip(").") if len(text.rstrip(").")) == 1 else None
    if letter is not None and letter not in TECHNIQUE_OPTIONS:
        return Feedback(name, WRONG, f"choose one of a, b, c or d (got {answer!r})")
    technique = TECHNIQUE_OPTIONS[letter][0] if letter else text.upper()
    if not technique.startswith("AML."):
        technique = "AML." + technique
    if technique not in catalog:
        return Feedback(name, WRONG, f"{text!r} is not an ATLAS technique id (e.g. AML.T0051.001)")
    label = f"{technique} {catalog.technique(technique).display_name}"
    result = analyze(retriever_model(), catalog=catalog)
    finding = next((f for f in result.findings if f.technique == "AML.T0051.001"), None)
    details = []
    if finding is not None:
        details.append(f"the workbench raises {finding.id}: {finding.reason}")
        details.append(f"more on {catalog.technique('AML.T0051.001').url}")
    right_id = TECHNIQUE_OPTIONS[_TECHNIQUE_RIGHT][0]
    if technique == right_id:
        return Feedback(name, RIGHT, f"{label}: {TECHNIQUE_OPTIONS['a'][1]}", tuple(details))
    if technique in _TECHNIQUE_ALSO_RIGHT:
        return Feedback(
            name,
            RIGHT,
            f"{label} is part of the same scenario (the mails poison what the retriever returns); "
            f"the primary technique is {right_id}, indirect prompt injection",
            tuple(details),
        )
    why = next((w for t, w in TECHNIQUE_OPTIONS.values() if t == technique), None)
    return Feedback(
        name,
        WRONG,
        f"{label}: {why}"
        if why
        else f"{label} does not describe what outsiders' mails can do here",
        ("hint: who can write what the retriever returns, and where does it go?",),
    )


# -- exercise 3: which guideline covers this? -----------------------------------------------------

#: Scenario id -> (scenario, right guideline number, why).
GUIDELINE_QUESTIONS: dict[str, tuple[str, str, str]] = {
    "red-team": (
        "Before the assistant goes live, the team runs a red-team exercise against it and "
        "publishes what it cannot do well.",
        "3.4",
        "a security evaluation before release and stated limitations are what releasing "
        "responsibly asks for",
    ),
    "supplier": (
        "Before adopting a hosted LLM, the team assesses the provider's security, terms and "
        "data retention, and keeps the model in an AI bill of materials.",
        "2.1",
        "third-party models and services are part of your supply chain: vet suppliers and "
        "list what you depend on",
    ),
    "disclosure": (
        "Outsiders can report a vulnerability in the assistant to security@example.com, and "
        "the team shares what it learns from incidents.",
        "4.4",
        "a disclosure contact and sharing findings are how lessons are collected and shared",
    ),
    "drift": (
        "The team watches the model's outputs in production and is alerted when they drift.",
        "4.1",
        "watching outputs and performance over time is monitoring the system's behaviour "
        "(4.2 is about its inputs)",
    ),
}


def check_guideline(question: str, answer: Any) -> Feedback:
    """The number of the guideline (1.1 to 4.4) that covers the scenario *question*."""
    name = f"guideline-{question}"
    if question not in GUIDELINE_QUESTIONS:
        raise KeyError(f"no question {question!r}; questions: {', '.join(GUIDELINE_QUESTIONS)}")
    if answer is None:
        return _unanswered(name)
    from workbench.catalog import load_guidelines

    guidelines = load_guidelines()
    _scenario, right, why = GUIDELINE_QUESTIONS[question]
    given = str(answer).strip()
    try:
        chosen = guidelines.get(given)
    except (KeyError, LookupError):
        chosen = None
    if chosen is None:
        return Feedback(name, WRONG, f"{given!r} is not a guideline number: use 1.1 to 4.4")
    target = guidelines.get(right)
    if given == right:
        return Feedback(
            name, RIGHT, f"{right} {target.title}: {why}", (f"the guideline: {target.summary}",)
        )
    return Feedback(
        name,
        WRONG,
        f"{given} is '{chosen.title}'; the scenario is closer to another guideline",
        (
            f"hint: it belongs to stage {target.stage} ({target.stage_name})",
            "the table of guidelines above lists what each one asks for",
        ),
    )


# -- exercise 4: the workbench assumed something ---------------------------------------------------


def assumption_model() -> Any:
    """A partner-facing scoring API whose rate limiting and scores are left unstated."""
    from workbench.model import SystemModel

    m = SystemModel("scoring-api", name="Scoring API")
    m.add_zone("partner", trust=1, name="Partner banks")
    m.add_zone("internal", trust=3, name="Internal")
    m.add_component("bank", "actor", "partner", name="Partner bank")
    m.add_component("api", "inference_endpoint", "internal", name="Scoring API", authenticated=True)
    m.add_component(
        "model",
        "model",
        "internal",
        name="Fraud model",
        model_type="classifier",
        origin="in_house",
        serialization="onnx",
        hash_verified=True,
        trained_on="personal",
    )
    _round_trip(
        m, ("bank", "api", "model"), ("query", "features", "score", "reply"), ["user_input"]
    )
    return m


def check_assumption(answer: Any) -> Feedback:
    """``{attribute: value}`` to state on the API so that cost harvesting (AML.T0034) goes away."""
    name = "assumption"
    if answer is None:
        return _unanswered(name)
    from workbench.errors import ModelError
    from workbench.rules import analyze

    if not isinstance(answer, Mapping) or not answer:
        return Feedback(
            name, WRONG, "answer with a dict of attribute and value, e.g. {'attribute': True}"
        )
    model = assumption_model()
    try:
        model.update_component("api", **dict(answer))
    except ModelError as exc:
        return Feedback(
            name,
            WRONG,
            "the model refuses that change",
            tuple(str(i.message) for i in exc.issues) or (str(exc),),
        )
    result = analyze(model)
    after = {f.id: f for f in result.findings}
    exposed = after.get("inference-api-exposed@api")
    if exposed is None:
        return Feedback(
            name,
            WRONG,
            "that removes the whole API-exposure finding: state what is true of the API, do not "
            "hide the partner's access",
        )
    if "AML.T0034" in exposed.techniques:
        still = [a for a in exposed.assumptions if "rate_limited" in a]
        return Feedback(
            name,
            WRONG,
            "cost harvesting (AML.T0034) is still part of the finding",
            tuple(still) or ("the finding's reason names the attribute the rule tested",),
        )
    return Feedback(
        name,
        RIGHT,
        "with the API rate limited, flooding it to run up costs is no longer part of the finding; "
        "unstated attributes are assumed insecure until you state them",
        (
            "assumptions still made about the API: "
            + ("; ".join(result.assumptions.get("api", [])) or "none"),
        ),
    )


# -- exercise 5: scores and bands -----------------------------------------------------------------


def check_band(answer: Any, likelihood: int = 4, impact: int = 3) -> Feedback:
    """The band (low, medium, high, critical) of *likelihood* x *impact* on the default matrix."""
    name = "band"
    if answer is None:
        return _unanswered(name)
    from workbench.risk.matrix import load_matrix

    matrix = load_matrix(None)
    score = matrix.score(likelihood, impact)
    band = matrix.band(likelihood, impact)
    ranges = ", ".join(f"{b.name} {b.min}-{b.max}" for b in matrix.bands)
    words = (
        f"likelihood {likelihood} ({matrix.likelihood_label(likelihood)}) x impact {impact} "
        f"({matrix.impact_label(impact)}) = {score}"
    )
    if _norm(answer) == band:
        return Feedback(name, RIGHT, f"{words}, which is {band}", (f"the bands: {ranges}",))
    if _norm(answer) not in matrix.band_names():
        return Feedback(
            name, WRONG, f"{answer!r} is not a band; the bands are {', '.join(matrix.band_names())}"
        )
    return Feedback(
        name, WRONG, f"{words}: look up {score} in the bands", (f"the bands: {ranges}",)
    )


# -- solutions --------------------------------------------------------------------------------------

_SOLUTIONS: dict[str, str] = {
    "trust-boundary": (
        "model.add_zone('internet', trust=0, name='Internet')\n"
        "model.update_component('customer', zone='internet')\n"
        "answer = model"
    ),
    "retriever-technique": "answer = 'a'   # AML.T0051.001 LLM Prompt Injection: Indirect",
    "guideline-red-team": "answer = '3.4'",
    "guideline-supplier": "answer = '2.1'",
    "guideline-disclosure": "answer = '4.4'",
    "guideline-drift": "answer = '4.1'",
    "assumption": "answer = {'rate_limited': True}",
    "band": "answer = 'high'   # 4 x 3 = 12, high is 10-16",
}


def solution(exercise: str) -> str:
    """The model answer of an exercise, as code (print it)."""
    try:
        return _SOLUTIONS[exercise]
    except KeyError:
        raise KeyError(f"no exercise {exercise!r}; exercises: {', '.join(_SOLUTIONS)}") from None


def _all_checks() -> dict[str, Callable[[Any], Feedback]]:
    """Each exercise's check, taking only the answer (used by the tests)."""
    checks: dict[str, Callable[[Any], Feedback]] = {
        "trust-boundary": check_trust_boundary,
        "retriever-technique": check_retriever_technique,
        "assumption": check_assumption,
        "band": check_band,
    }
    for q in GUIDELINE_QUESTIONS:
        checks[f"guideline-{q}"] = _guideline_check(q)
    return checks


def _guideline_check(question: str) -> Callable[[Any], Feedback]:
    def check(answer: Any) -> Feedback:
        return check_guideline(question, answer)

    return check

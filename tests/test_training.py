"""The training notebook's checks (workbench.training): right, wrong and unanswered answers."""

from __future__ import annotations

import pytest

from workbench import training


@pytest.mark.parametrize("check", sorted(training._all_checks()))
def test_an_unanswered_exercise_says_so_and_does_not_fail(check: str) -> None:
    feedback = training._all_checks()[check](None)
    assert feedback.status == "not answered yet"
    assert feedback.correct is None
    assert "not answered yet" in str(feedback)
    assert "not answered yet" in feedback._repr_html_()


def test_trust_boundary() -> None:
    model = training.missing_boundary_model()
    assert not training.check_trust_boundary(model).correct
    model.add_zone("internet", trust=0, name="Internet")
    model.update_component("customer", zone="internet")
    feedback = training.check_trust_boundary(model)
    assert feedback.correct, feedback
    assert "llm-direct-prompt-injection@llm" in str(feedback)
    untrusted = training.missing_boundary_model()
    untrusted.update_component("customer", trusted=False)
    assert training.check_trust_boundary(untrusted).correct
    higher = training.missing_boundary_model()
    higher.add_zone("vault", trust=4)
    higher.update_component("customer", zone="vault")
    wrong = training.check_trust_boundary(higher)
    assert wrong.correct is False and "LOWER trust" in wrong.message
    assert training.check_trust_boundary("internet").correct is False


def test_retriever_technique() -> None:
    assert training.check_retriever_technique("a").correct
    assert training.check_retriever_technique("AML.T0051.001").correct
    assert training.check_retriever_technique("t0070").correct  # RAG poisoning: same scenario
    for wrong in ("b", "c", "d", "AML.T0044"):
        feedback = training.check_retriever_technique(wrong)
        assert feedback.correct is False
        assert "indirect prompt injection" not in str(feedback)  # no spoiler
    assert "not an ATLAS technique" in training.check_retriever_technique("T9999").message
    assert "a, b, c or d" in training.check_retriever_technique("e").message


def test_the_right_technique_is_what_the_analysis_reports() -> None:
    import workbench as wb

    techniques = {f.technique for f in wb.analyze(training.retriever_model()).findings}
    right = training.TECHNIQUE_OPTIONS["a"][0]
    assert right in techniques
    for letter in "bcd":
        assert training.TECHNIQUE_OPTIONS[letter][0] not in techniques


@pytest.mark.parametrize("question", sorted(training.GUIDELINE_QUESTIONS))
def test_guideline_questions(question: str) -> None:
    right = training.GUIDELINE_QUESTIONS[question][1]
    assert training.check_guideline(question, right).correct
    assert training.check_guideline(question, f" {right} ").correct
    other = "1.1" if right != "1.1" else "1.2"
    wrong = training.check_guideline(question, other)
    assert wrong.correct is False and "stage" in str(wrong)
    assert "not a guideline number" in training.check_guideline(question, "9.9").message
    with pytest.raises(KeyError):
        training.check_guideline("no-such-question", right)


def test_assumption() -> None:
    feedback = training.check_assumption({"rate_limited": True})
    assert feedback.correct, feedback
    assert training.check_assumption({"returns_scores": False}).correct is False
    refused = training.check_assumption({"rate_limited": "yes"})
    assert refused.correct is False and "refuses" in refused.message
    assert training.check_assumption("rate_limited").correct is False


def test_band() -> None:
    assert training.check_band("high").correct
    assert training.check_band(" High ").correct
    assert training.check_band("medium").correct is False
    assert "not a band" in training.check_band("red").message
    assert training.check_band("critical", likelihood=5, impact=4).correct


def test_every_exercise_has_a_solution_that_is_right() -> None:
    checks = training._all_checks()
    for name in checks:
        assert training.solution(name)
    namespace: dict = {"model": training.missing_boundary_model()}
    exec(training.solution("trust-boundary"), namespace)  # the solution is notebook code
    assert checks["trust-boundary"](namespace["answer"]).correct
    for name in set(checks) - {"trust-boundary"}:
        namespace = {}
        exec(training.solution(name), namespace)
        assert checks[name](namespace["answer"]).correct, name
    with pytest.raises(KeyError):
        training.solution("no-such-exercise")

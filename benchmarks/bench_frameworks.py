"""Time of per-framework coverage (OWASP LLM 2025 and Agentic T1-T15) on synthetic systems.

Run ``python benchmarks/bench_frameworks.py``: for 50, 200, 1000 and 2000
components it prints the analysis time and the coverage time of each framework
(best of three), so the coverage cost can be compared with the analysis it
follows. No test asserts a time.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import generate

from workbench.risk.frameworks import framework_coverage
from workbench.rules import analyze, load_rules


def best(fn: Callable[[], object], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    rules = load_rules()
    print(f"{'components':>10} {'analysis s':>11} {'owasp-llm s':>12} {'owasp-agentic s':>16}")
    for n in (50, 200, 1000, 2000):
        model = generate(n, seed=1)
        result = analyze(model, rules=rules)
        t_analysis = best(lambda m=model: analyze(m, rules=rules), repeat=1)
        t_llm = best(lambda m=model, r=result: framework_coverage(m, r, "owasp-llm", rules=rules))
        t_agentic = best(
            lambda m=model, r=result: framework_coverage(m, r, "owasp-agentic", rules=rules)
        )
        print(f"{n:>10} {t_analysis:>11.3f} {t_llm:>12.3f} {t_agentic:>16.3f}")


if __name__ == "__main__":
    main()

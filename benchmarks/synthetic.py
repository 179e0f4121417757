"""Synthetic AI systems of any size, shaped like the bundled templates.

``generate(n_components, seed)`` builds a :class:`~workbench.model.SystemModel`
for benchmarks and tests::

    from benchmarks.synthetic import generate
    model = generate(10_000, seed=0)   # 10,000 components, 30,000 flows

The shape, so that analysis numbers mean something:

* **kinds** in the proportions of the five templates in ``catalogs/templates``
  (computed from the files when first needed, not written down here);
* **five zones**: internet 0, partner 1, dmz 2, internal 3, restricted 4;
* **about 10 % entry points**: untrusted actors and knowledge sources that
  outsiders can write; every other actor and knowledge source is trusted;
* **about 10 % crown jewels** (docs/knowledge/concepts.md#crown-jewels): sensitive data,
  models trained on it, prompts with secrets, tools with side effects,
  anything of high or critical criticality; every other component is kept
  below those thresholds;
* **at least one LLM per 20 components**;
* **three flows per component** with explicit ids, along plausible kind pairs
  (actor → application → model, knowledge_source → vector_store → agent,
  dataset → training_pipeline → model_registry → model ...), carrying the
  data kinds such a pair carries, and directed mostly from lower to higher
  trust zones;
* **realistic attribute values**, a good share of them left unstated.

The same ``(n_components, seed)`` always gives the same model. Building 30,000
components and 90,000 flows takes a few seconds.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from collections import Counter
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from workbench.model import KINDS, SCHEMA_VERSION, SystemModel, load_template, template_names

__all__ = [
    "CROWN_JEWEL_SHARE",
    "ENTRY_SHARE",
    "FLOWS_PER_COMPONENT",
    "ZONES",
    "generate",
    "kind_counts",
    "template_kind_shares",
]

#: The five trust zones: (id, trust, name).
ZONES: tuple[tuple[str, int, str], ...] = (
    ("internet", 0, "Internet"),
    ("partner", 1, "Partners and providers"),
    ("dmz", 2, "DMZ"),
    ("internal", 3, "Internal"),
    ("restricted", 4, "Restricted"),
)
_ZONE_OF_TRUST = {trust: zid for zid, trust, _ in ZONES}

ENTRY_SHARE = 0.10
CROWN_JEWEL_SHARE = 0.10
FLOWS_PER_COMPONENT = 3
LLM_EVERY = 20  # at least one LLM per this many components
#: Share of flows whose target is picked among components in a zone of at least
#: the source's trust (the rest go anywhere: responses, logs, feedback).
UPWARD_BIAS = 0.8


# -- kind proportions ---------------------------------------------------------


@cache
def template_kind_shares() -> dict[str, float]:
    """Share of each component kind over the bundled templates (sums to 1)."""
    counts: Counter[str] = Counter()
    for name in template_names():
        counts.update(c.kind for c in load_template(name).components())
    if not counts:  # pragma: no cover - the templates ship with the package
        raise RuntimeError("no templates found in catalogs/templates")
    total = sum(counts.values())
    return {kind: counts[kind] / total for kind in KINDS if counts[kind]}


def kind_counts(n_components: int) -> dict[str, int]:
    """How many components of each kind a model of *n_components* gets.

    Largest-remainder apportionment of the template shares, then enough models
    for one LLM per 20 components (taken from the most numerous kinds).
    """
    if n_components < 1:
        raise ValueError("n_components must be at least 1")
    shares = template_kind_shares()
    exact = {k: s * n_components for k, s in shares.items()}
    counts = {k: int(v) for k, v in exact.items()}
    left = n_components - sum(counts.values())
    for k in sorted(exact, key=lambda k: (counts[k] - exact[k], k))[:left]:
        counts[k] += 1
    need_models = math.ceil(n_components / LLM_EVERY)
    while counts.get("model", 0) < need_models:
        donor = max((k for k in counts if k != "model"), key=lambda k: (counts[k], k))
        counts[donor] -= 1
        counts["model"] = counts.get("model", 0) + 1
    return {k: c for k, c in counts.items() if c}


# -- plausible flows ------------------------------------------------------------

# source kind -> ((target kind, weight, data kinds), ...)
_PAIRS: dict[str, tuple[tuple[str, float, tuple[str, ...]], ...]] = {
    "actor": (
        ("application", 5, ("user_input",)),
        ("inference_endpoint", 2, ("user_input",)),
        ("agent", 1, ("user_input",)),
        ("knowledge_source", 2, ("user_input",)),
        ("dataset", 0.5, ("feedback",)),
        ("sensor", 0.3, ("user_input",)),
    ),
    "application": (
        ("model", 3, ("prompt", "user_input")),
        ("agent", 2, ("user_input",)),
        ("inference_endpoint", 2, ("user_input",)),
        ("data_store", 2, ("user_input", "personal_data")),
        ("actor", 2, ("model_output",)),
        ("monitoring", 1, ("telemetry",)),
        ("external_service", 0.5, ("personal_data",)),
        ("vector_store", 0.5, ("user_input",)),
        ("dataset", 0.5, ("feedback",)),
    ),
    "inference_endpoint": (
        ("model", 4, ("user_input",)),
        ("application", 2, ("model_output",)),
        ("actor", 1, ("model_output",)),
        ("monitoring", 1, ("telemetry",)),
        ("data_store", 1, ("user_input",)),
    ),
    "model": (
        ("application", 3, ("model_output",)),
        ("agent", 2, ("model_output", "tool_call")),
        ("inference_endpoint", 2, ("model_output",)),
        ("monitoring", 1, ("telemetry",)),
        ("data_store", 1, ("model_output",)),
    ),
    "agent": (
        ("model", 4, ("prompt", "user_input", "retrieved_context")),
        ("tool", 3, ("tool_call",)),
        ("vector_store", 2, ("user_input",)),
        ("data_store", 1, ("user_input", "model_output")),
        ("application", 1, ("model_output",)),
        ("monitoring", 1, ("telemetry",)),
    ),
    "tool": (
        ("agent", 3, ("tool_result",)),
        ("data_store", 2, ("tool_call",)),
        ("knowledge_source", 1, ("tool_call", "model_output")),
        ("external_service", 1, ("tool_call",)),
    ),
    "dataset": (
        ("training_pipeline", 4, ("training_data",)),
        ("data_pipeline", 3, ("training_data",)),
    ),
    "data_pipeline": (
        ("dataset", 3, ("training_data",)),
        ("vector_store", 3, ("retrieved_context",)),
        ("training_pipeline", 2, ("training_data",)),
        ("model", 1, ("retrieved_context",)),
    ),
    "training_pipeline": (
        ("model_registry", 4, ("model_artifact",)),
        ("model", 2, ("model_artifact",)),
        ("monitoring", 1, ("telemetry",)),
    ),
    "model_registry": (
        ("model", 3, ("model_artifact",)),
        ("inference_endpoint", 2, ("model_artifact",)),
        ("training_pipeline", 1, ("model_artifact",)),
    ),
    "vector_store": (
        ("agent", 3, ("retrieved_context",)),
        ("application", 3, ("retrieved_context",)),
    ),
    "knowledge_source": (
        ("data_pipeline", 3, ("retrieved_context",)),
        ("vector_store", 2, ("retrieved_context",)),
        ("agent", 1, ("retrieved_context",)),
        ("application", 1, ("retrieved_context",)),
    ),
    "data_store": (
        ("data_pipeline", 2, ("training_data", "personal_data")),
        ("application", 2, ("personal_data",)),
        ("dataset", 2, ("training_data",)),
        ("agent", 1, ("tool_result",)),
    ),
    "prompt": (
        ("agent", 3, ("prompt", "configuration")),
        ("application", 2, ("prompt",)),
        ("model", 1, ("prompt",)),
    ),
    "external_service": (
        ("dataset", 2, ("training_data", "feedback")),
        ("data_pipeline", 2, ("training_data",)),
        ("application", 1, ("tool_result",)),
    ),
    "sensor": (
        ("model", 3, ("user_input",)),
        ("application", 2, ("user_input",)),
        ("data_pipeline", 1, ("training_data",)),
    ),
    "monitoring": (
        ("data_store", 3, ("telemetry",)),
        ("actor", 1, ("telemetry",)),
    ),
}

# How many flows, relatively, a component of each kind sends beyond its first.
_FAN_OUT = {
    "actor": 1.0,
    "application": 1.6,
    "inference_endpoint": 1.2,
    "model": 1.0,
    "agent": 2.2,
    "tool": 1.0,
    "dataset": 0.8,
    "data_pipeline": 1.0,
    "training_pipeline": 1.0,
    "model_registry": 0.8,
    "vector_store": 1.0,
    "knowledge_source": 1.0,
    "data_store": 0.8,
    "prompt": 0.6,
    "external_service": 0.7,
    "sensor": 0.7,
    "monitoring": 0.4,
}

# How likely a component of each kind is chosen as a crown jewel (relative).
_JEWEL_WEIGHT = {
    "data_store": 3.0,
    "dataset": 2.5,
    "vector_store": 2.5,
    "tool": 2.5,
    "model": 2.0,
    "prompt": 1.5,
    "knowledge_source": 1.0,
    "model_registry": 1.0,
    "agent": 1.0,
    "application": 0.6,
    "inference_endpoint": 0.6,
    "training_pipeline": 0.4,
    "external_service": 0.3,
    "data_pipeline": 0.2,
    "monitoring": 0.2,
    "sensor": 0.2,
}

_PROTOCOLS = ("https", "https", "https", "grpc", "kafka", "s3", "sql", "amqp", "mqtt")
_TEAMS = (
    "Platform Engineering",
    "ML Engineering",
    "Data Engineering",
    "Security",
    "Web Team",
    "Customer Experience",
    "Research",
    "Operations",
)
_SUPPLIERS = ("Example AI Provider", "Hub Community", "Vendor Labs", "Open Data Collective")

# -- attribute values ---------------------------------------------------------------

B = True  # marker for boolean attributes in the tables below

# kind -> attr -> (values or B, weights or P(true), P(unstated))
_ATTRS: dict[str, dict[str, tuple[Any, Any, float]]] = {
    "actor": {"authenticated": (B, 0.6, 0.2)},
    "application": {
        "internet_facing": (B, 0.4, 0.15),
        "authenticated": (B, 0.7, 0.2),
        "renders_model_output_as": (("text", "markdown", "html"), (4, 4.5, 1.5), 0.3),
        "role": (
            (
                "web_frontend",
                "backend",
                "orchestrator",
                "agent_gateway",
                "admin_console",
                "engineering_console",
                "code_assistant",
            ),
            (30, 30, 20, 5, 5, 5, 5),
            0.2,
        ),
        "holds_ai_api_keys": (B, 0.3, 0.4),
        "filters_inputs": (B, 0.4, 0.4),
        "filters_outputs": (B, 0.4, 0.4),
    },
    "inference_endpoint": {
        "internet_facing": (B, 0.5, 0.1),
        "authenticated": (B, 0.7, 0.15),
        "rate_limited": (B, 0.6, 0.3),
        "returns_scores": (B, 0.4, 0.3),
        "logs_inputs": (B, 0.6, 0.3),
        "versioned": (B, 0.6, 0.4),
        "filters_inputs": (B, 0.3, 0.5),
    },
    "model": {
        "hash_verified": (B, 0.4, 0.4),
        "signed": (B, 0.3, 0.5),
        "continuous_learning": (B, 0.2, 0.3),
        "deployment": (("server", "edge_device", "client"), (85, 10, 5), 0.3),
        "auto_updated": (B, 0.3, 0.5),
        "failover": (B, 0.4, 0.6),
    },
    "agent": {
        "human_in_the_loop": (B, 0.4, 0.2),
        "persistent_memory": (B, 0.4, 0.3),
        "autonomy": (("suggest", "act_with_approval", "act"), (30, 35, 35), 0.2),
        "permissions": (("single_user", "privileged", "multi_user"), (40, 35, 25), 0.3),
        "config_writable": (B, 0.2, 0.4),
        "code_interpreter": (B, 0.3, 0.3),
        "browsing": (B, 0.3, 0.3),
        "computer_use": (B, 0.1, 0.5),
        "config_source": (("internal", "shared_repository", "user"), (60, 30, 10), 0.4),
        "local": (B, 0.15, 0.5),
        "holds_credentials": (B, 0.6, 0.3),
    },
    "tool": {
        "origin": (("in_house", "third_party"), (60, 40), 0.2),
        "holds_credentials": (B, 0.5, 0.3),
        "sandboxed": (B, 0.4, 0.4),
        "network_egress": (B, 0.4, 0.4),
        "mcp_server": (B, 0.4, 0.4),
        "fetches_external_content": (B, 0.3, 0.4),
    },
    "dataset": {
        "purpose": (("training", "fine_tuning", "evaluation", "feedback"), (50, 20, 15, 15), 0.1),
        "origin": (
            ("internal", "public", "scraped", "third_party", "user_generated"),
            (35, 20, 15, 15, 15),
            0.15,
        ),
        "provenance_tracked": (B, 0.5, 0.3),
        "integrity_checked": (B, 0.4, 0.3),
        "backed_up": (B, 0.5, 0.4),
    },
    "data_pipeline": {
        "uses_third_party_code": (B, 0.7, 0.2),
        "validates_inputs": (B, 0.5, 0.3),
    },
    "training_pipeline": {
        "isolated": (B, 0.5, 0.3),
        "internet_access": (B, 0.4, 0.3),
        "uses_third_party_code": (B, 0.8, 0.2),
        "secrets_in_environment": (B, 0.5, 0.4),
    },
    "model_registry": {
        "access_control": (B, 0.8, 0.2),
        "signed_artifacts": (B, 0.3, 0.4),
        "immutable_versions": (B, 0.5, 0.4),
        "backed_up": (B, 0.5, 0.5),
    },
    "vector_store": {
        "per_document_access_control": (B, 0.4, 0.3),
        "multi_tenant": (B, 0.4, 0.3),
        "tenants_can_write": (B, 0.2, 0.4),
    },
    "knowledge_source": {
        "source_type": (
            ("web", "mail", "tickets", "wiki", "uploads", "documents", "repository"),
            (15, 15, 20, 20, 10, 15, 5),
            0.2,
        ),
    },
    "data_store": {
        "encrypted_at_rest": (B, 0.7, 0.3),
        "access_control": (B, 0.85, 0.2),
        "stores_model_output_for_llm": (B, 0.1, 0.6),
        "stores_chat_history": (B, 0.2, 0.5),
        "editable_via_api": (B, 0.2, 0.5),
        "backed_up": (B, 0.6, 0.4),
    },
    "prompt": {"versioned": (B, 0.6, 0.3)},
    "external_service": {
        "data_leaves_organisation": (B, 0.85, 0.1),
        "due_diligence_done": (B, 0.5, 0.3),
        "retains_data": (B, 0.5, 0.4),
        "failover": (B, 0.3, 0.5),
    },
    "sensor": {
        "physical_access": (("public", "restricted"), (60, 40), 0.1),
        "sensor_type": (("camera", "microphone", "lidar", "other"), (60, 20, 10, 10), 0.1),
    },
    "monitoring": {
        "covers_inputs": (B, 0.6, 0.2),
        "covers_outputs": (B, 0.6, 0.2),
        "drift_detection": (B, 0.4, 0.3),
        "detects_adversarial_inputs": (B, 0.2, 0.4),
        "alerting": (B, 0.7, 0.3),
        "audit_logs": (B, 0.5, 0.4),
    },
}

# Zones by kind: trust level -> weight.
_ZONE_WEIGHTS: dict[str, dict[int, float]] = {
    "application": {2: 55, 3: 45},
    "inference_endpoint": {2: 60, 3: 40},
    "model": {2: 10, 3: 60, 4: 30},
    "agent": {2: 15, 3: 85},
    "tool": {3: 100},
    "dataset": {3: 40, 4: 60},
    "data_pipeline": {3: 80, 4: 20},
    "training_pipeline": {3: 50, 4: 50},
    "model_registry": {3: 60, 4: 40},
    "vector_store": {3: 80, 4: 20},
    "data_store": {3: 40, 4: 60},
    "prompt": {3: 90, 4: 10},
    "external_service": {1: 100},
    "sensor": {0: 70, 2: 30},
    "monitoring": {3: 60, 4: 40},
}
_ENTRY_ZONES = {"actor": {0: 75, 1: 25}, "knowledge_source": {0: 35, 1: 15, 3: 50}}
_INSIDER_ZONES = {3: 80, 4: 20}

_NON_LLM_TYPES = (
    (
        "classifier",
        "embedding",
        "detector",
        "regressor",
        "recommender",
        "generative_image",
        "speech",
    ),
    (35, 20, 15, 10, 8, 6, 6),
)
_MODEL_ORIGINS = (("in_house", "fine_tuned", "open_weights", "third_party_api"), (30, 20, 25, 25))
_LLM_ORIGINS = (("in_house", "fine_tuned", "open_weights", "third_party_api"), (10, 20, 20, 50))
_SERIALIZATIONS = (
    ("pickle", "joblib", "torch_pickle", "safetensors", "onnx", "gguf", "saved_model", "unknown"),
    (15, 10, 15, 30, 15, 5, 5, 5),
)
_LOW_SENSITIVITY = (("public", "internal"), (30, 70))
_HIGH_SENSITIVITY = (("confidential", "personal", "secret"), (40, 45, 15))
_TOOL_SAFE = (("none", "read"), (25, 75))
_TOOL_RISKY = (
    ("write", "execute_code", "send_messages", "payments", "delete"),
    (35, 15, 15, 10, 25),
)
_DATA_BEARING = ("dataset", "knowledge_source", "data_store", "vector_store")


def _choice(rng: random.Random, table: tuple[Sequence[Any], Sequence[float]]) -> Any:
    values, weights = table
    return rng.choices(values, weights)[0]


def _zone(rng: random.Random, weights: Mapping[int, float]) -> int:
    return rng.choices(list(weights), list(weights.values()))[0]


def _weighted_sample(
    rng: random.Random, items: list[int], weights: list[float], k: int
) -> list[int]:
    """*k* distinct items, each drawn with probability proportional to its weight."""
    if k <= 0:
        return []
    keyed = [(rng.random() ** (1.0 / w), i) for i, w in zip(items, weights, strict=True) if w > 0]
    keyed.sort(reverse=True)
    return sorted(i for _key, i in keyed[:k])


def _stated_attrs(rng: random.Random, kind: str) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    for name, (values, weights, p_unstated) in _ATTRS.get(kind, {}).items():
        if rng.random() < p_unstated:
            continue
        if values is B:
            attrs[name] = rng.random() < weights
        else:
            attrs[name] = rng.choices(values, weights)[0]
    return attrs


def _model_attrs(rng: random.Random, attrs: dict[str, Any], llm: bool, jewel: bool) -> None:
    if llm:
        attrs["model_type"] = "llm"
        attrs["origin"] = _choice(rng, _LLM_ORIGINS)
        if rng.random() < 0.8:
            attrs["system_prompt"] = rng.random() < 0.85
    else:
        attrs["model_type"] = _choice(rng, _NON_LLM_TYPES)
        attrs["origin"] = _choice(rng, _MODEL_ORIGINS)
        if attrs["model_type"] == "detector" and rng.random() < 0.8:
            attrs["security_detector"] = True
            attrs["outputs_to_human_triage"] = rng.random() < 0.6
        if attrs["model_type"] in ("classifier", "speech") and rng.random() < 0.1:
            attrs["verifies_identity"] = True
    origin = attrs["origin"]
    if origin == "third_party_api":
        attrs["deployment"] = "server"
        attrs["supplier"] = rng.choice(_SUPPLIERS)
        for name in ("hash_verified", "signed", "continuous_learning", "auto_updated"):
            attrs.pop(name, None)
    else:
        if rng.random() < 0.8:
            attrs["serialization"] = _choice(rng, _SERIALIZATIONS)
        if origin == "open_weights":
            attrs["weights_public"] = True
            attrs["supplier"] = rng.choice(_SUPPLIERS)
        elif rng.random() < 0.6:
            attrs["weights_public"] = False
    if jewel:
        how = rng.random()
        if how < 0.6:
            attrs["trained_on"] = _choice(rng, _HIGH_SENSITIVITY)
        elif how < 0.8:
            attrs["contains_secrets"] = True
        else:
            attrs["criticality"] = rng.choice(("high", "critical"))
    else:
        if rng.random() < 0.7:
            attrs["trained_on"] = _choice(rng, _LOW_SENSITIVITY)
        if rng.random() < 0.5:
            attrs["contains_secrets"] = False


def _make_safe(rng: random.Random, kind: str, attrs: dict[str, Any]) -> None:
    """Keep a component below every crown-jewel threshold."""
    if kind in _DATA_BEARING and rng.random() < 0.8:
        attrs["sensitivity"] = _choice(rng, _LOW_SENSITIVITY)
    if kind in ("vector_store", "prompt") and rng.random() < 0.6:
        attrs["contains_secrets"] = False
    if kind == "tool" and rng.random() < 0.85:
        attrs["side_effects"] = _choice(rng, _TOOL_SAFE)
    if rng.random() < 0.6:
        attrs["criticality"] = rng.choice(("low", "medium"))


def _make_jewel(rng: random.Random, kind: str, attrs: dict[str, Any]) -> None:
    """Give a component one crown-jewel reason that fits its kind."""
    if kind in _DATA_BEARING:
        attrs["sensitivity"] = _choice(rng, _HIGH_SENSITIVITY)
        if kind == "vector_store" and rng.random() < 0.2:
            attrs["contains_secrets"] = True
        if rng.random() < 0.3:
            attrs["criticality"] = rng.choice(("high", "critical"))
    elif kind == "tool":
        attrs["side_effects"] = _choice(rng, _TOOL_RISKY)
    elif kind == "prompt":
        attrs["contains_secrets"] = True
    elif kind != "model":
        attrs["criticality"] = rng.choice(("high", "critical"))


class _Picker:
    """Components of one kind sorted by zone trust, for quick upward picks."""

    def __init__(self) -> None:
        self.ids: list[int] = []
        self.trust: list[int] = []

    def freeze(self, trust: list[int]) -> None:
        self.ids.sort(key=lambda i: (trust[i], i))
        self.trust = [trust[i] for i in self.ids]

    def pick(self, rng: random.Random, min_trust: int | None) -> int:
        lo = 0
        if min_trust is not None:
            lo = bisect.bisect_left(self.trust, min_trust)
            if lo >= len(self.ids):
                lo = 0
        return self.ids[lo + int(rng.random() * (len(self.ids) - lo))]


def generate(n_components: int, seed: int = 0) -> SystemModel:
    """A synthetic AI system of *n_components* components and three flows each.

    Deterministic for a given ``(n_components, seed)``; see the module docstring
    for its shape.
    """
    rng = random.Random(f"{n_components}:{seed}")
    n = n_components
    counts = kind_counts(n)
    kinds = [k for k in KINDS if k in counts for _ in range(counts[k])]
    rng.shuffle(kinds)
    index_of_kind: dict[str, list[int]] = {}
    for i, k in enumerate(kinds):
        index_of_kind.setdefault(k, []).append(i)

    # Entry points: untrusted actors and outsider-writable knowledge sources.
    candidates = index_of_kind.get("actor", []) + index_of_kind.get("knowledge_source", [])
    n_entry = min(len(candidates), max(1, round(ENTRY_SHARE * n)))
    entry_weights = [2.0 if kinds[i] == "actor" else 1.0 for i in candidates]
    entries = set(_weighted_sample(rng, candidates, entry_weights, n_entry))

    # Crown jewels: any kind but actors, weighted by kind.
    others = [i for i in range(n) if kinds[i] != "actor"]
    n_jewels = min(len(others), max(1, round(CROWN_JEWEL_SHARE * n)))
    jewels = set(
        _weighted_sample(rng, others, [_JEWEL_WEIGHT.get(kinds[i], 0.5) for i in others], n_jewels)
    )

    # LLMs: at least one per 20 components, about half of the models.
    models = index_of_kind.get("model", [])
    n_llm = min(len(models), max(math.ceil(n / LLM_EVERY), round(0.5 * len(models))))
    llms = set(rng.sample(models, n_llm))

    ids: list[str] = []
    trust: list[int] = []
    attrs_of: list[dict[str, Any]] = []
    per_kind_no: Counter[str] = Counter()
    for i, kind in enumerate(kinds):
        per_kind_no[kind] += 1
        no = per_kind_no[kind]
        label = kind.replace("_", " ")
        attrs: dict[str, Any] = {"name": f"{label.capitalize()} {no}"}
        if rng.random() < 0.7:
            attrs["owner"] = rng.choice(_TEAMS)
        if rng.random() < 0.3:
            attrs["version"] = f"{rng.randint(1, 5)}.{rng.randint(0, 20)}"
        attrs.update(_stated_attrs(rng, kind))
        jewel = i in jewels
        if kind == "model":
            _model_attrs(rng, attrs, i in llms, jewel)
        if jewel:
            _make_jewel(rng, kind, attrs)
        else:
            _make_safe(rng, kind, attrs)
        if kind in ("actor", "knowledge_source"):
            if i in entries:
                level = _zone(rng, _ENTRY_ZONES[kind])
                if kind == "actor":
                    attrs["trusted"] = False
                else:
                    attrs["writable_by_outsiders"] = True
            else:
                level = _zone(rng, _INSIDER_ZONES)
                attrs["trusted"] = True
                if kind == "knowledge_source" and rng.random() < 0.6:
                    attrs["writable_by_outsiders"] = False
        elif kind == "model" and attrs.get("origin") == "third_party_api":
            level = 1
        elif kind == "model" and attrs.get("deployment") in ("edge_device", "client"):
            level = rng.choice((0, 2))
        elif kind == "model_registry" and rng.random() < 0.15:
            attrs["public"] = True
            level = 1
        elif kind == "tool" and attrs.get("origin") == "third_party" and rng.random() < 0.5:
            level = 1
        else:
            level = _zone(rng, _ZONE_WEIGHTS[kind])
            if kind == "model_registry" and rng.random() < 0.7:
                attrs["public"] = False
        if kind == "application" and level == 2 and "internet_facing" in attrs:
            attrs["internet_facing"] = True
        ids.append(f"{kind.replace('_', '-')}-{no}")
        trust.append(level)
        attrs_of.append(attrs)

    components = [
        {"id": ids[i], "kind": kind, "zone": _ZONE_OF_TRUST[trust[i]], **attrs_of[i]}
        for i, kind in enumerate(kinds)
    ]

    pickers: dict[str, _Picker] = {}
    for i, kind in enumerate(kinds):
        pickers.setdefault(kind, _Picker()).ids.append(i)
    for picker in pickers.values():
        picker.freeze(trust)
    # Flow targets per source kind, restricted to the kinds present.
    options: dict[str, tuple[list[tuple[str, tuple[str, ...]]], list[float]]] = {}
    # (targets, cumulative weights) per source kind
    for kind in counts:
        pairs = [(t, w, d) for t, w, d in _PAIRS[kind] if t in pickers]
        if not pairs:  # tiny models: any other kind present
            pairs = [(t, 1.0, ("user_input",)) for t in counts if t != kind or counts[t] > 1]
        options[kind] = (
            [(t, d) for t, _w, d in pairs],
            list(itertools.accumulate(w for _t, w, _d in pairs)),
        )

    n_flows = FLOWS_PER_COMPONENT * n
    flows: list[dict[str, Any]] = []
    fan = [_FAN_OUT[k] for k in kinds]
    sources = list(range(n))
    sources += rng.choices(range(n), weights=fan, k=n_flows - n)
    for j, src in enumerate(sources, start=1):
        kind = kinds[src]
        targets, cum_weights = options[kind]
        dst = src
        for _attempt in range(4):
            tkind, data = rng.choices(targets, cum_weights=cum_weights)[0]
            upward = j <= n or rng.random() < UPWARD_BIAS
            # An entry point's first flow goes up a zone, so it is an entry by position too.
            min_trust = trust[src] + (1 if src in entries and j <= n else 0) if upward else None
            dst = pickers[tkind].pick(rng, min_trust)
            if dst != src:
                break
        if dst == src:
            if n == 1:
                break
            dst = (src + 1) % n
        flow: dict[str, Any] = {}
        carried = list(data)
        if "personal_data" not in carried and attrs_of[src].get("sensitivity") == "personal":
            carried.append("personal_data")
        if rng.random() < 0.02:
            carried.append("credentials")
        r = rng.random()
        if r < 0.7:
            flow["encrypted"] = True
        elif r < 0.85:
            flow["encrypted"] = False
        r = rng.random()
        if r < 0.6:
            flow["authenticated"] = True
        elif r < 0.8:
            flow["authenticated"] = False
        if rng.random() < 0.7:
            flow["protocol"] = rng.choice(_PROTOCOLS)
        flows.append({"id": f"flow-{j}", "from": ids[src], "to": ids[dst], "data": carried, **flow})
    model_data = {
        "schema_version": SCHEMA_VERSION,
        "system": {
            "id": f"synthetic-{n}-{seed}",
            "name": f"Synthetic AI system ({n} components, seed {seed})",
            "description": "Generated by benchmarks/synthetic.py for benchmarks and tests.",
            "owner": "Benchmarks",
        },
        "zones": [{"id": zid, "trust": level, "name": zname} for zid, level, zname in ZONES],
        "components": components,
        "flows": flows,
    }
    # from_dict validates the whole model, as loading a file does, and raises
    # ModelError listing every problem.
    return SystemModel.from_dict(model_data, source=f"<synthetic {n}, seed {seed}>")

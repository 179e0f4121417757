"""The vocabulary of system models: component kinds, attributes, data kinds.

This module is the single source of truth for what a model file may say. The
validator, the :class:`~workbench.model.SystemModel` API, the JSON Schema and
the model-format reference (``docs/model-format.md``) are all generated from
the tables here, so rule authors can rely on every name below.

Booleans and enums may be *unstated* (absent, or ``None`` in Python). Unstated
is kept distinct from ``false`` everywhere: a rule decides how it treats an
unstated value and says so in its finding.

>>> spec = attributes_for("inference_endpoint")["rate_limited"]
>>> spec.type, spec.check(True)
('bool', (True, []))
>>> rank("sensitivity", "personal") > rank("sensitivity", "internal")
True
"""

from __future__ import annotations

import datetime as _dt
import difflib
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ATTRIBUTES",
    "ATTR_TYPES",
    "COMMON_ATTRIBUTES",
    "CRITICALITY",
    "CUSTOM_ATTR_TYPES",
    "DATA_KINDS",
    "FLOW_ATTRIBUTES",
    "ID_PATTERN",
    "KINDS",
    "RESERVED_KEYS",
    "SCHEMA_2_ATTRIBUTES",
    "SCHEMA_VERSION",
    "SENSITIVITY",
    "SYSTEM_FACTS",
    "ZONE_ATTRIBUTES",
    "AttrSpec",
    "all_attribute_names",
    "at_least",
    "attributes_for",
    "check_id",
    "kinds_with_attribute",
    "nearest",
    "rank",
]

#: The version of the model file layout this workbench writes.
SCHEMA_VERSION = 2

#: Ids of components, flows, zones and systems.
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
ID_RULE = "1-100 letters, digits, '-', '_' or '.', starting with a letter or digit"

# Attribute types.
BOOL = "bool"
ENUM = "enum"
TEXT = "text"
DATE = "date"
NUMBER = "number"
INTEGER = "integer"
LINK = "link"
LINKS = "links"
LIST = "list"
RECORD = "record"
RECORDS = "records"

#: Every attribute type, with a short explanation used in the docs.
ATTR_TYPES: dict[str, str] = {
    BOOL: "true or false",
    ENUM: "one value from a fixed list",
    TEXT: "a string",
    DATE: "a date written yyyy-mm-dd",
    NUMBER: "an integer or decimal number",
    INTEGER: "a whole number",
    LINK: "an http(s) URL or a file path",
    LINKS: "a list of http(s) URLs or file paths",
    LIST: "a list of strings",
    RECORD: "a mapping with the fields listed",
    RECORDS: "a list of mappings with the fields listed",
}

#: Types an organisation may use in ``custom_attributes``.
CUSTOM_ATTR_TYPES = (BOOL, ENUM, TEXT, DATE, NUMBER, INTEGER, LINK, LINKS, LIST)

#: Ordered scales. Sensitivity: public < internal < confidential < personal < secret.
SENSITIVITY = ("public", "internal", "confidential", "personal", "secret")
#: Criticality: low < medium < high < critical.
CRITICALITY = ("low", "medium", "high", "critical")

_ORDERS: dict[str, tuple[str, ...]] = {
    "sensitivity": SENSITIVITY,
    "criticality": CRITICALITY,
}

_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SCHEME_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_SHA256_RE = r"[0-9a-fA-F]{64}"


def rank(scale: str, value: str | None) -> int | None:
    """Position of *value* on an ordered scale (``sensitivity`` or ``criticality``).

    Returns ``None`` for an unstated value.

    >>> rank("criticality", "high")
    2
    """
    if value is None:
        return None
    return _ORDERS[scale].index(value)


def at_least(scale: str, value: str | None, threshold: str) -> bool:
    """True when *value* is stated and at or above *threshold* on *scale*.

    >>> at_least("sensitivity", "secret", "confidential")
    True
    >>> at_least("sensitivity", None, "public")
    False
    """
    r = rank(scale, value)
    return r is not None and r >= _ORDERS[scale].index(threshold)


def nearest(name: str, candidates: Iterable[str]) -> str | None:
    """The closest match to *name* among *candidates*, or ``None``."""
    matches = difflib.get_close_matches(str(name), list(candidates), n=1, cutoff=0.6)
    return matches[0] if matches else None


def check_id(value: Any) -> str | None:
    """Return an error message when *value* is not a valid id, else ``None``."""
    if isinstance(value, (bool, int, float)):
        return f"ids are text: quote it ('{value}')"
    if not isinstance(value, str):
        return f"expected an id ({ID_RULE}), got {_describe(value)}"
    if not ID_PATTERN.fullmatch(value):
        return f"invalid id {value!r}: use {ID_RULE}"
    return None


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"{'true' if value else 'false'}"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:39] + "…"
        return f"{shown!r}"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    return type(value).__name__


SubIssue = tuple[tuple[str | int, ...], str]



#: Types whose valid values are stored exactly as given.
_AS_GIVEN = frozenset({BOOL, ENUM, NUMBER, INTEGER, LINK})


@dataclass(frozen=True)
class AttrSpec:
    """One attribute: its name, type, allowed values and the kinds it is valid on.

    ``kinds`` is empty for attributes valid on every component kind. ``ordered``
    enums have a meaningful order (see :func:`rank`). ``fields`` describe the
    parts of ``record`` and ``records`` values; ``required`` marks a field that
    must be present. ``pattern`` further restricts text values.
    """

    name: str
    type: str
    choices: tuple[str, ...] | None = None
    description: str = ""
    kinds: tuple[str, ...] = ()
    ordered: bool = False
    pattern: str | None = None
    fields: tuple[AttrSpec, ...] = field(default=())
    required: bool = False
    minimum: int | None = None
    custom: bool = False

    def expected(self) -> str:
        """What a valid value looks like, in words."""
        if self.type == ENUM and self.choices:
            return "one of: " + ", ".join(self.choices)
        if self.type == LIST and self.choices:
            return "a list of: " + ", ".join(self.choices)
        if self.type == TEXT and self.pattern == _SHA256_RE:
            return "64 hexadecimal digits"
        if self.type == INTEGER and self.minimum is not None:
            return f"a whole number, at least {self.minimum}"
        if self.type in (RECORD, RECORDS):
            names = ", ".join(f.name for f in self.fields)
            lead = "a list of mappings with " if self.type == RECORDS else "a mapping with "
            return lead + names
        return ATTR_TYPES[self.type]

    # -- checking ---------------------------------------------------------

    def normalise(self, value: Any) -> Any:
        """The stored form of a value that :meth:`check` accepted.

        The same as ``check(value)[0]``, without checking again: booleans, enum
        values, numbers, links and text are kept as they are; lists become
        tuples; dates, records and non-text given as text are normalised by
        :meth:`check`.
        """
        kind = self.type
        if kind in _AS_GIVEN:
            return value
        if kind == TEXT and type(value) is str:
            return value
        if kind == LIST and type(value) is list:
            return tuple(value)
        return self.check(value)[0]

    def check(self, value: Any) -> tuple[Any, list[SubIssue]]:
        """Check *value*; return the normalised value and a list of problems.

        Each problem is ``(sub_path, message)`` where ``sub_path`` locates the
        fault inside the value (empty for the value itself). Dates given as
        :class:`datetime.date` become ISO strings; lists become tuples.
        """
        kind = self.type
        if kind == BOOL:
            if isinstance(value, bool):
                return value, []
            return value, [((), f"expected true or false, got {_describe(value)}")]
        if kind == ENUM:
            assert self.choices is not None
            if isinstance(value, str) and value in self.choices:
                return value, []
            return value, [((), self._choice_error(value))]
        if kind == TEXT:
            return self._check_text(value)
        if kind == DATE:
            return _check_date(value)
        if kind == NUMBER:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return value, [((), f"expected a number, got {_describe(value)}")]
            if isinstance(value, float) and not math.isfinite(value):
                return value, [((), "expected a finite number")]
            return value, []
        if kind == INTEGER:
            if isinstance(value, bool) or not isinstance(value, int):
                return value, [((), f"expected {self.expected()}, got {_describe(value)}")]
            if self.minimum is not None and value < self.minimum:
                return value, [((), f"expected {self.expected()}, got {value}")]
            return value, []
        if kind == LINK:
            problem = _link_problem(value)
            return value, ([((), problem)] if problem else [])
        if kind in (LINKS, LIST):
            return self._check_list(value)
        if kind == RECORD:
            return self._check_record(value)
        if kind == RECORDS:
            if not isinstance(value, (list, tuple)):
                return value, [((), f"expected {self.expected()}, got {_describe(value)}")]
            out = []
            issues: list[SubIssue] = []
            for i, item in enumerate(value):
                norm, sub = self._check_record(item)
                out.append(norm)
                issues.extend(((i, *p), m) for p, m in sub)
            return tuple(out), issues
        raise ValueError(f"unknown attribute type {kind!r}")  # pragma: no cover

    def _choice_error(self, value: Any) -> str:
        assert self.choices is not None
        message = f"expected one of: {', '.join(self.choices)}; got {_describe(value)}"
        if isinstance(value, str):
            guess = nearest(value, self.choices)
            if guess:
                message += f"; did you mean {guess!r}?"
        return message

    def _check_text(self, value: Any) -> tuple[Any, list[SubIssue]]:
        if isinstance(value, str):
            if self.pattern and not re.fullmatch(self.pattern, value):
                return value, [((), f"expected {self.expected()}, got {_describe(value)}")]
            return value, []
        if isinstance(value, (bool, int, float)):
            return value, [
                ((), f"expected text, got {_describe(value)}; put it in quotes in YAML")
            ]
        if isinstance(value, _dt.date):
            return value.isoformat(), []
        return value, [((), f"expected text, got {_describe(value)}")]

    def _check_list(self, value: Any) -> tuple[Any, list[SubIssue]]:
        if not isinstance(value, (list, tuple)):
            return value, [((), f"expected {self.expected()}, got {_describe(value)}")]
        issues: list[SubIssue] = []
        out = []
        for i, item in enumerate(value):
            if self.type == LINKS:
                problem = _link_problem(item)
                if problem:
                    issues.append(((i,), problem))
            elif self.choices:
                if not (isinstance(item, str) and item in self.choices):
                    issues.append(((i,), self._choice_error(item)))
            elif not isinstance(item, str):
                issues.append(((i,), f"expected text, got {_describe(item)}"))
            out.append(item)
        return tuple(out), issues

    def _check_record(self, value: Any) -> tuple[Any, list[SubIssue]]:
        if not isinstance(value, Mapping):
            return value, [((), f"expected a mapping with {', '.join(f.name for f in self.fields)}"
                            f", got {_describe(value)}")]
        known = {f.name: f for f in self.fields}
        issues: list[SubIssue] = []
        out: dict[str, Any] = {}
        for key, item in value.items():
            spec = known.get(key)
            if spec is None:
                msg = f"unknown field {key!r}; expected {', '.join(known)}"
                guess = nearest(str(key), known)
                if guess:
                    msg += f"; did you mean {guess!r}?"
                issues.append(((key,), msg))
                continue
            if item is None:
                continue
            norm, sub = spec.check(item)
            out[key] = norm
            issues.extend(((key, *p), m) for p, m in sub)
        for spec in self.fields:
            if spec.required and value.get(spec.name) is None:
                issues.append(((), f"missing required field {spec.name!r}"))
        return out, issues


def _check_date(value: Any) -> tuple[Any, list[SubIssue]]:
    if isinstance(value, _dt.datetime):
        return value, [((), "expected a date yyyy-mm-dd without a time")]
    if isinstance(value, _dt.date):
        return value.isoformat(), []
    if isinstance(value, str) and _DATE_RE.fullmatch(value):
        try:
            _dt.date.fromisoformat(value)
        except ValueError:
            return value, [((), f"not a real date: {value!r}")]
        return value, []
    return value, [((), f"expected a date yyyy-mm-dd, got {_describe(value)}")]


def _link_problem(value: Any) -> str | None:
    if not isinstance(value, str) or not value:
        return f"expected a link (http(s) URL or file path), got {_describe(value)}"
    if any(ch.isspace() or not ch.isprintable() for ch in value):
        return f"a link may not contain spaces or control characters: {_describe(value)}"
    match = _SCHEME_RE.match(value)
    # One letter before ':' is a Windows drive, not a scheme.
    if match and len(match.group(1)) > 1 and match.group(1).lower() not in ("http", "https"):
        return f"links must be http(s) URLs or file paths, got {_describe(value)}"
    return None


def _a(name: str, type_: str, description: str, *kinds: str, **extra: Any) -> AttrSpec:
    if "choices" in extra and extra["choices"] is not None:
        extra["choices"] = tuple(extra["choices"])
    return AttrSpec(name=name, type=type_, description=description, kinds=tuple(kinds), **extra)


#: The 17 component kinds and what each one is.
KINDS: dict[str, str] = {
    "actor": "A person or outside system that sends or receives data "
    "(end user, admin, data labeller, partner system).",
    "application": "Conventional software: web front end, backend, orchestrator.",
    "inference_endpoint": "An API that serves model predictions or completions.",
    "model": "A trained model, as artifact and runtime. A hosted LLM is a model with "
    "origin third_party_api in the provider's zone.",
    "agent": "An LLM-driven orchestrator that plans and calls tools.",
    "tool": "A tool, plugin or MCP server an agent can invoke.",
    "dataset": "Training, fine-tuning, evaluation or feedback data.",
    "data_pipeline": "Data preparation, labelling and feature engineering.",
    "training_pipeline": "Training jobs, notebooks and compute used to build models.",
    "model_registry": "Where model artifacts are stored and fetched from "
    "(registry, bucket, hub).",
    "vector_store": "An embeddings index used for retrieval (RAG).",
    "knowledge_source": "Content ingested for retrieval: web pages, mail, tickets, "
    "wikis, uploads.",
    "data_store": "A conventional database, bucket or log store.",
    "prompt": "A system prompt, meta prompt or prompt template treated as an asset.",
    "external_service": "A third-party API outside the organisation that is not a model "
    "(labelling vendor, SaaS API).",
    "sensor": "A physical input (camera, microphone, lidar) feeding a model.",
    "monitoring": "Telemetry, logging and alerting on the AI system.",
}

#: What flows carry (``data`` of a flow).
DATA_KINDS: dict[str, str] = {
    "user_input": "Input typed, uploaded or sent by a user or client.",
    "prompt": "A prompt assembled for a model (instructions plus content).",
    "model_output": "Predictions, completions, scores or generated content.",
    "retrieved_context": "Documents or chunks retrieved for a model (RAG).",
    "training_data": "Data used to train, fine-tune or evaluate a model.",
    "model_artifact": "Model weights or a packaged model.",
    "feedback": "Labels, ratings or corrections fed back to the system.",
    "tool_call": "A request from an agent to a tool.",
    "tool_result": "What a tool returns to an agent.",
    "credentials": "Keys, tokens or passwords.",
    "telemetry": "Logs, metrics and traces.",
    "configuration": "Settings, rules, agent or tool configuration.",
    "personal_data": "Data about identifiable people.",
}

_SENS = {"choices": SENSITIVITY, "ordered": True}

#: Attributes every component may have.
COMMON_ATTRIBUTES: tuple[AttrSpec, ...] = (
    _a("name", TEXT, "Display label; the id never changes."),
    _a("description", TEXT, "What the component is and does."),
    _a("owner", TEXT, "Person or team accountable for the component."),
    _a("criticality", ENUM, "How much the organisation depends on it; high and critical "
       "make it a crown jewel.", choices=CRITICALITY, ordered=True),
    _a("supplier", TEXT, "Who provides it when it comes from outside (vendor, project, hub)."),
    _a("version", TEXT, "Version, release or tag in use (quote numbers in YAML: \"1.10\")."),
    _a("location", TEXT, "Where it lives: URL, bucket, repository path, host or region."),
    _a("sha256", TEXT, "SHA-256 digest of the artifact (64 hex digits) for integrity checks.",
       pattern=_SHA256_RE),
    _a("docs", LINKS, "Links to documentation such as a model card, data card or runbook."),
    _a("tags", LIST, "Free labels for filtering and grouping."),
)

_KIND_SPECS: tuple[AttrSpec, ...] = (
    # actor
    _a("trusted", BOOL, "The organisation trusts what it sends; false makes it an entry point.",
       "actor", "knowledge_source"),
    _a("authenticated", BOOL, "The actor proves its identity before the system accepts its "
       "input.", "actor"),
    # application
    _a("internet_facing", BOOL, "Reachable from the internet.",
       "application", "inference_endpoint"),
    _a("authenticated", BOOL, "Callers must authenticate before use.",
       "application", "inference_endpoint"),
    _a("renders_model_output_as", ENUM, "How model output is shown or passed on; markdown and "
       "html can load links and images.", "application", choices=("text", "markdown", "html")),
    _a("role", ENUM, "What the application does; admin, engineering and agent-gateway consoles "
       "are high-value targets; a gateway (reverse proxy, API gateway, WAF) passes traffic on "
       "without showing it to anyone.", "application",
       choices=("web_frontend", "backend", "orchestrator", "agent_gateway", "admin_console",
                "engineering_console", "code_assistant", "gateway", "other")),
    _a("holds_ai_api_keys", BOOL, "Holds API keys for hosted AI services.", "application"),
    _a("filters_inputs", BOOL, "Screens incoming content for prompt injection or adversarial "
       "input before it reaches a model; on a model (also the model behind an agent service), "
       "the provider's guardrails (prompt shields, content filters) screen what it is sent. "
       "Unstated is read as no screening.", "application", "inference_endpoint", "model"),
    _a("filters_outputs", BOOL, "Applies guardrails to model output (moderation, sanitising, "
       "schema checks) before it is used; on a model (also the model behind an agent service), "
       "the provider's content filters screen what it returns. Unstated is read as no "
       "guardrail.", "application", "inference_endpoint", "model"),
    # inference_endpoint
    _a("rate_limited", BOOL, "Limits the number of queries, requests or tool calls per caller "
       "and time; unstated is read as not limited.",
       "inference_endpoint", "application", "agent", "tool", "model"),
    _a("returns_scores", BOOL, "Exposes confidence scores, probabilities or logits, not only "
       "labels.", "inference_endpoint"),
    _a("logs_inputs", BOOL, "Logs the inputs it receives.", "inference_endpoint"),
    _a("cost_per_query", NUMBER, "Approximate cost of one query in the organisation's currency.",
       "inference_endpoint"),
    _a("versioned", BOOL, "The API is versioned, so model updates do not silently change it for "
       "callers.", "inference_endpoint"),
    # model
    _a("model_type", ENUM, "What the model does.", "model",
       choices=("classifier", "regressor", "detector", "llm", "embedding", "generative_image",
                "speech", "recommender")),
    _a("origin", ENUM, "Where the model comes from; a hosted LLM is third_party_api.", "model",
       choices=("in_house", "fine_tuned", "open_weights", "third_party_api")),
    _a("serialization", ENUM, "File format of the weights; pickle, joblib, torch_pickle and "
       "unknown can run code when loaded, keras when it holds Lambda layers.", "model",
       choices=("pickle", "joblib", "torch_pickle", "safetensors", "onnx", "gguf",
                "saved_model", "keras", "unknown")),
    _a("weights_public", BOOL, "The weights are publicly downloadable.", "model"),
    _a("hash_verified", BOOL, "The artifact's hash is checked against a known value before "
       "loading.", "model"),
    _a("signed", BOOL, "The artifact is signed and the signature is verified.", "model"),
    _a("trained_on", ENUM, "Highest sensitivity of the data it was trained or fine-tuned on.",
       "model", **_SENS),
    _a("continuous_learning", BOOL, "Retrained or updated automatically from production data or "
       "feedback.", "model"),
    _a("system_prompt", BOOL, "An LLM that runs with a system prompt.", "model"),
    _a("contains_secrets", BOOL, "Holds secrets (keys, passwords, confidential facts) in its "
       "weights, prompt or configuration.", "model"),
    _a("deployment", ENUM, "Where the model runs; edge_device and client ship the weights to "
       "devices others hold.", "model", choices=("server", "edge_device", "client")),
    _a("selection_rationale", TEXT, "Why this model was chosen: origin, size, interpretability, "
       "hardening and privacy considered.", "model"),
    _a("verifies_identity", BOOL, "Used to verify identity (face, voice, document or liveness "
       "checks).", "model"),
    _a("security_detector", BOOL, "Used as a security control (malware, fraud, spam or "
       "intrusion detection).", "model"),
    _a("outputs_to_human_triage", BOOL, "Its outputs (alerts, flags) are queued for people to "
       "review.", "model"),
    _a("auto_updated", BOOL, "New versions are deployed automatically, e.g. over the air.",
       "model"),
    _a("failover", BOOL, "A fallback exists when it or its provider is unavailable.",
       "model", "external_service"),
    _a("due_diligence_done", BOOL, "The supplier was assessed (security, terms, retention) "
       "before use.", "model", "tool", "dataset", "external_service"),
    # agent
    _a("human_in_the_loop", BOOL, "A person approves actions before they take effect.",
       "agent"),
    _a("persistent_memory", BOOL, "Keeps memory across sessions.", "agent"),
    _a("autonomy", ENUM, "How far it acts on its own.", "agent",
       choices=("suggest", "act_with_approval", "act")),
    _a("permissions", ENUM, "Whose authority it acts with: one user's, privileged service "
       "rights, or several users'.", "agent",
       choices=("single_user", "privileged", "multi_user")),
    _a("config_writable", BOOL, "The agent, or content it processes, can change its own "
       "configuration, rules or tools.", "agent"),
    _a("code_interpreter", BOOL, "Can write and run code.", "agent"),
    _a("browsing", BOOL, "Can browse the web.", "agent"),
    _a("computer_use", BOOL, "Can operate a desktop or browser interface (clicks, keys).",
       "agent"),
    _a("config_source", ENUM, "Where its rules and tool configuration come from.", "agent",
       choices=("internal", "shared_repository", "user")),
    _a("local", BOOL, "Runs on a user's machine (desktop agent or local LLM client).", "agent"),
    _a("holds_credentials", BOOL, "Holds credentials or tokens for the systems it acts on.",
       "agent", "tool"),
    # tool
    _a("side_effects", ENUM, "The most consequential thing the tool can do.", "tool",
       choices=("none", "read", "write", "execute_code", "send_messages", "payments", "delete")),
    _a("origin", ENUM, "Who built the tool.", "tool", choices=("in_house", "third_party")),
    _a("sandboxed", BOOL, "Runs in a sandbox isolated from the host; unstated is read as not "
       "sandboxed.", "tool", "application"),
    _a("network_egress", BOOL, "Can open connections to the internet.", "tool"),
    _a("mcp_server", BOOL, "Provided as an MCP server.", "tool"),
    _a("fetches_external_content", BOOL, "Fetches content live from the web or other outside "
       "sources.", "tool"),
    # dataset
    _a("purpose", ENUM, "What the data is used for.", "dataset",
       choices=("training", "fine_tuning", "evaluation", "feedback")),
    _a("origin", ENUM, "Where the data comes from.", "dataset",
       choices=("internal", "public", "scraped", "third_party", "user_generated")),
    _a("sensitivity", ENUM, "Highest sensitivity of the data held.",
       "dataset", "knowledge_source", "data_store", "vector_store", **_SENS),
    _a("provenance_tracked", BOOL, "Where each record came from is recorded.", "dataset"),
    _a("integrity_checked", BOOL, "Checked against hashes or signatures before use.", "dataset"),
    _a("retention", TEXT, "How long it is kept and when it is deleted.", "dataset"),
    _a("backed_up", BOOL, "An offline backup exists to restore a known-good state.",
       "dataset", "data_store", "model_registry"),
    # data_pipeline, training_pipeline
    _a("uses_third_party_code", BOOL, "Runs third-party packages, containers or notebooks.",
       "data_pipeline", "training_pipeline"),
    _a("validates_inputs", BOOL, "Checks incoming data (schema, ranges, outliers, duplicates) "
       "before use.", "data_pipeline"),
    _a("isolated", BOOL, "Runs segregated from production and other workloads.",
       "training_pipeline"),
    _a("internet_access", BOOL, "Can reach the internet while it runs.", "training_pipeline"),
    _a("secrets_in_environment", BOOL, "Credentials are available to what runs there "
       "(environment variables, files, mounted tokens, instance metadata); unstated is read as "
       "present wherever model-written or untrusted code runs.",
       "training_pipeline", "application", "agent", "tool"),
    # model_registry
    _a("access_control", BOOL, "Access is restricted to authorised principals.",
       "model_registry", "data_store"),
    _a("public", BOOL, "Anyone can read from it (public hub or bucket).", "model_registry"),
    _a("signed_artifacts", BOOL, "Artifacts are signed and verified when fetched.",
       "model_registry"),
    _a("immutable_versions", BOOL, "A published version cannot be overwritten.",
       "model_registry"),
    # vector_store
    _a("per_document_access_control", BOOL, "Retrieval honours each document's access "
       "rights.", "vector_store"),
    _a("multi_tenant", BOOL, "Holds documents of several customers or user groups.",
       "vector_store"),
    _a("tenants_can_write", BOOL, "Tenants or users can add documents to the index.",
       "vector_store"),
    _a("contains_secrets", BOOL, "Indexed documents contain secrets (keys, passwords).",
       "vector_store"),
    _a("contains_secrets", BOOL, "The prompt text holds secrets (keys, passwords, internal "
       "URLs or confidential facts) that anyone who extracts it learns.", "prompt"),
    # knowledge_source
    _a("writable_by_outsiders", BOOL, "People outside the organisation can write its content "
       "(customers, senders, the public).", "knowledge_source"),
    _a("source_type", ENUM, "What kind of content it is.", "knowledge_source",
       choices=("web", "mail", "tickets", "wiki", "uploads", "documents", "repository",
                "chat_history", "other")),
    # data_store
    _a("encrypted_at_rest", BOOL, "Stored data is encrypted at rest.", "data_store"),
    _a("stores_model_output_for_llm", BOOL, "Stores model output that an LLM later reads.",
       "data_store"),
    _a("stores_chat_history", BOOL, "Stores conversation threads.", "data_store"),
    _a("editable_via_api", BOOL, "Stored records can be changed by users or clients through an "
       "API.", "data_store"),
    # prompt
    _a("versioned", BOOL, "Kept under version control with reviewed changes.", "prompt"),
    # external_service
    _a("data_leaves_organisation", BOOL, "Data sent to it leaves the organisation's control.",
       "external_service"),
    _a("retains_data", BOOL, "The supplier stores what it is sent (logs, threads, training).",
       "external_service"),
    # sensor
    _a("physical_access", ENUM, "Who can get physically close to it.", "sensor",
       choices=("public", "restricted")),
    _a("sensor_type", ENUM, "What it senses.", "sensor",
       choices=("camera", "microphone", "lidar", "other")),
    # monitoring
    _a("covers_inputs", BOOL, "Records and watches model inputs.", "monitoring"),
    _a("covers_outputs", BOOL, "Records and watches model outputs and performance.",
       "monitoring"),
    _a("drift_detection", BOOL, "Detects drift in inputs or model behaviour.", "monitoring"),
    _a("detects_adversarial_inputs", BOOL, "Flags out-of-distribution or adversarial inputs.",
       "monitoring"),
    _a("alerting", BOOL, "Alerts people when something is wrong.", "monitoring"),
    _a("audit_logs", BOOL, "Keeps tamper-evident audit logs of access and changes.",
       "monitoring"),
)

# Facts read from artifacts: ``workbench scan`` states these on a model from its
# files, and the MCP importer on the tools it finds in a client configuration.
# Unstated means nobody scanned or imported them: no rule assumes a scan result
# (the serialization rule still assumes the worst of an unstated format).
_ARTIFACT_SPECS: tuple[AttrSpec, ...] = (
    _a("architecture", TEXT, "Model architecture the files or config.json name (e.g. "
       "BertForSequenceClassification).", "model"),
    _a("base_model", LIST, "Models it was fine-tuned or derived from, as the model card names "
       "them.", "model"),
    _a("license", TEXT, "Licence of the weights as the model card states it (an SPDX id or a "
       "name).", "model", "dataset"),
    _a("datasets", LIST, "Datasets the model card names as training data.", "model"),
    _a("scan_verdict", ENUM, "What a static scan of the model files found: safe (no code runs "
       "on load), suspicious (imports or layers outside the known-safe lists) or dangerous "
       "(calls that run commands or code, such as os.system or builtins.exec).", "model",
       choices=("safe", "suspicious", "dangerous")),
    _a("unsafe_calls", LIST, "The suspicious and dangerous calls the scan found, each as "
       "'file: call'.", "model"),
    _a("artifact_scan", RECORD, "The scan that stated the facts above: the tool, the date, the "
       "files with their format, size and SHA-256, and the attributes it stated.", "model",
       fields=(
           _a("tool", TEXT, "Scanner and version."),
           _a("date", DATE, "When the files were scanned."),
           _a("files", LIST, "Each file scanned: path, format, size, SHA-256 and verdict."),
           _a("stated", LIST, "The attributes this scan stated."),
       )),
    _a("transport", ENUM, "How the agent reaches the tool: stdio runs a local command with the "
       "agent's access; http and sse reach a remote service.", "tool",
       choices=("stdio", "http", "sse")),
    _a("package", TEXT, "The published package or image the tool runs (e.g. "
       "npm:@scope/server@1.2.0, pypi:name, docker:image); unstated for local code.", "tool"),
    _a("secret_env", LIST, "Names of the environment variables or headers that carry secrets "
       "to the tool (names only, never the values).", "tool"),
)
_KIND_SPECS = _KIND_SPECS + _ARTIFACT_SPECS

# Facts that keep findings to the parties who can really be harmed. Unstated,
# each is read as the riskier answer (not native, not the user's own, shared).
_SCOPE_SPECS: tuple[AttrSpec, ...] = (
    _a("platform_native", BOOL, "Built into the AI platform or IDE the agent runs on (its "
       "own search, file or code tools), not a plug-in from another party; unstated is read "
       "as a plug-in.", "tool"),
    _a("holds_users_own_data", BOOL, "It is where the data sent to it already lives (the "
       "user's own mailbox, calendar or drive), so sending it back exposes nothing new; "
       "unstated is read as false.", "external_service"),
    _a("per_user", BOOL, "Each user's records are kept apart and read only in that user's "
       "own sessions (per-user memory or history); unstated is read as shared between users.",
       "data_store", "vector_store"),
)

# Facts added in schema version 2: execution of model output, resource limits,
# identity, approvals, egress, providers, sandboxes, clients on devices others
# hold and multi-agent communication. Each description ends with how the
# bundled rules read it when it is unstated.
_EXECUTION_KINDS = ("code", "sql", "shell", "template")
_CAPABILITIES = ("code_interpreter", "browsing", "computer_use", "persistent_memory",
                 "execute_code", "send_messages", "write", "delete", "payments")
_V2_SPECS: tuple[AttrSpec, ...] = (
    # execution of model output
    _a("executes_model_output", LIST, "What model output it runs, not only shows: code, sql "
       "(queries), shell (commands) or template (server-side templates); unstated is read as "
       "none beyond side_effects execute_code and code_interpreter.",
       "application", "tool", "agent", choices=_EXECUTION_KINDS),
    # resource limits
    _a("time_limited", BOOL, "Each request, tool call or run is stopped after a set time "
       "(a timeout); unstated is read as no timeout.", "application", "agent", "tool"),
    _a("compute_quota", BOOL, "CPU and memory are capped per run or per caller; unstated is "
       "read as no quota.", "application", "agent", "tool"),
    _a("spend_capped", BOOL, "A hard cap on spend (per user, day or month) stops use when it is "
       "reached; unstated is read as no cap.", "application", "agent", "model",
       "inference_endpoint"),
    _a("max_steps", INTEGER, "The most planning steps or tool calls the agent takes for one "
       "task before it stops; unstated is read as no limit.", "agent", minimum=1),
    # identity
    _a("acts_as", ENUM, "Whose identity it uses towards the systems it reaches: user (the "
       "signed-in user's own delegated identity, so their rights apply), service (its own "
       "identity, shared by every user it serves) or privileged_service (its own identity with "
       "rights beyond any one user's); unstated, the rules read permissions instead and never "
       "assume that it speaks in the user's name.",
       "agent", "tool", "application", choices=("user", "service", "privileged_service")),
    _a("ownership_checked", BOOL, "Every read or write checks that the record (thread, session "
       "or document id) belongs to the caller; unstated is read as not checked.",
       "data_store", "vector_store"),
    # approvals and command lists
    _a("approval_mode", ENUM, "How people approve what it does: per_action (each action), "
       "per_batch (a plan or batch at once) or continuous (a person watches and can stop it); "
       "unstated, the rules read human_in_the_loop and autonomy instead.",
       "agent", "tool", choices=("per_action", "per_batch", "continuous")),
    _a("allowed_commands", LIST, "The only commands, programs or operations it may run (an "
       "allow list); unstated is read as no allow list.", "agent", "tool"),
    _a("denied_commands", LIST, "Commands, programs or operations it refuses (a deny list, "
       "which new spellings can get round, so the rules do not count it as a limit); unstated "
       "is read as no deny list.", "agent", "tool"),
    _a("disabled_capabilities", LIST, "Capabilities it has but which are switched off in its "
       "configuration; rules on them still fire, since whoever changes the configuration turns "
       "them on again. Unstated is read as none disabled.", "agent", "tool",
       choices=_CAPABILITIES),
    # egress of read tools
    _a("sends_parameters_out", BOOL, "Its call parameters (search terms, URLs, queries) go to "
       "an outside party even when it only reads (web search, browse, fetch URL), so whoever "
       "steers the agent can put data in them; unstated is read as true for tools that fetch "
       "external content and false otherwise.", "tool"),
    # egress control
    _a("egress_controlled", BOOL, "Outbound connections are restricted (firewall allow list, "
       "private endpoints, no internet route); unstated is read as open egress, unless its zone "
       "states egress_controlled.", "application", "agent", "tool", "model"),
    # providers
    _a("provider", ENUM, "Who runs the model for the system: platform_native (the cloud AI "
       "platform the system is built on, in the organisation's tenancy), third_party (an outside "
       "provider's service) or in_house (the organisation's own serving); unstated, the rules "
       "read origin instead. Tools state the same fact with origin and platform_native.",
       "model", choices=("platform_native", "third_party", "in_house")),
    # sandboxes
    _a("sandbox_kind", ENUM, "What isolates the sandbox: container (shared kernel), "
       "user_space_kernel (e.g. gVisor), micro_vm (e.g. Firecracker), virtual_machine, wasm, "
       "language_runtime (an interpreter's own restrictions) or other; unstated with sandboxed "
       "true is read as a container.", "tool", "application",
       choices=("container", "user_space_kernel", "micro_vm", "virtual_machine", "wasm",
                "language_runtime", "other")),
    _a("executes_untrusted_files", BOOL, "Opens or runs files that outsiders supplied "
       "(malware samples, uploaded scripts or documents) to see what they do; unstated is read "
       "as false.", "application", "tool", "data_pipeline"),
    # clients on devices others hold
    _a("deployment", ENUM, "Where the application runs; edge_device and client put it on "
       "devices that others hold, who can inspect, modify or cut it off; unstated is read as "
       "server.", "application", choices=("server", "edge_device", "client")),
    _a("tamper_resistant", BOOL, "Resists tampering on the device (signed code, integrity "
       "checks, attestation, protection against being stopped or debugged); unstated is read as "
       "not tamper resistant.", "application", "model"),
    _a("offline_fallback", ENUM, "What it does when it cannot reach its server: fail_open "
       "(lets everything through), fail_closed (blocks) or local_decision (decides alone with "
       "the local model or cached rules); unstated is read as fail_open.",
       "application", "model", choices=("fail_open", "fail_closed", "local_decision")),
    # multi-agent communication and accountability
    _a("distinct_identity", BOOL, "The agent has its own credential, distinct from other "
       "agents and from users, which the agents and tools it talks to verify; unstated is read "
       "as false.", "agent"),
    _a("senders_authenticated", BOOL, "Each message's sender is verified before the content is "
       "used (DMARC-aligned mail, signed or authenticated messages); unstated is read as "
       "unverified.", "knowledge_source"),
    _a("logs_actions", BOOL, "Each action is recorded with the principal it served (user, agent "
       "and request), where the agent cannot change the record; unstated is read as not "
       "recorded.", "agent", "tool"),
)

#: Attributes that schema version 2 added, or extended to more kinds (zones: egress_controlled).
SCHEMA_2_ATTRIBUTES: tuple[str, ...] = tuple(dict.fromkeys(
    [s.name for s in _V2_SPECS]
    + ["rate_limited", "filters_inputs", "filters_outputs", "secrets_in_environment", "sandboxed",
       "contains_secrets"]
))

#: Every built-in component attribute (common ones first).
ATTRIBUTES: tuple[AttrSpec, ...] = COMMON_ATTRIBUTES + _KIND_SPECS + _SCOPE_SPECS + _V2_SPECS


def _build_kind_table() -> dict[str, dict[str, AttrSpec]]:
    table: dict[str, dict[str, AttrSpec]] = {kind: {} for kind in KINDS}
    for spec in COMMON_ATTRIBUTES:
        for kind in KINDS:
            table[kind][spec.name] = spec
    for spec in _KIND_SPECS + _SCOPE_SPECS + _V2_SPECS:
        for kind in spec.kinds:
            if kind not in table:  # pragma: no cover - guards the table above
                raise ValueError(f"{spec.name}: unknown kind {kind}")
            if spec.name in table[kind]:  # pragma: no cover
                raise ValueError(f"{spec.name} defined twice for {kind}")
            table[kind][spec.name] = spec
    return table


_BY_KIND = _build_kind_table()

#: Facts about the system as a whole (the ``system`` section).
SYSTEM_FACTS: tuple[AttrSpec, ...] = (
    _a("id", TEXT, "Stable identifier of the system.", required=True),
    _a("name", TEXT, "Display name of the system."),
    _a("description", TEXT, "What the system does, for whom, and how it is built."),
    _a("owner", TEXT, "Person or team accountable for the system and its risks."),
    _a("incident_plan", LINK, "Link to the incident management plan covering the AI system."),
    _a("disclosure_contact", TEXT, "Where outsiders report vulnerabilities (mail or URL)."),
    _a("release_evaluation", RECORD, "The security evaluation before release (benchmarks, red "
       "teaming).", fields=(
           _a("link", LINK, "Report of the evaluation."),
           _a("date", DATE, "When it was done."),
       )),
    _a("staff_training", DATE, "When the team last had AI security training."),
    _a("debt", RECORDS, "Known technical debt, each item with an owner.", fields=(
        _a("item", TEXT, "What the debt is.", required=True),
        _a("owner", TEXT, "Who will pay it down."),
    )),
)

#: Fields of a trust zone.
ZONE_ATTRIBUTES: tuple[AttrSpec, ...] = (
    _a("id", TEXT, "Stable identifier of the zone.", required=True),
    _a("trust", INTEGER, "Trust level: higher is more trusted (e.g. internet 0, partner 1, "
       "dmz 2, internal 3, restricted 4).", required=True, minimum=0),
    _a("name", TEXT, "Display name."),
    _a("description", TEXT, "What lives in the zone and who can reach it."),
    _a("egress_controlled", BOOL, "Outbound connections from the zone are restricted (firewall "
       "allow list, private endpoints, no internet route); unstated is read as open egress "
       "(schema version 2)."),
)

#: Attributes of a flow (besides ``id``, ``from`` and ``to``).
FLOW_ATTRIBUTES: tuple[AttrSpec, ...] = (
    _a("name", TEXT, "Display label."),
    _a("description", TEXT, "What moves and why."),
    _a("data", LIST, "What the flow carries.", choices=tuple(DATA_KINDS)),
    _a("encrypted", BOOL, "Encrypted in transit."),
    _a("authenticated", BOOL, "The receiver authenticates the sender."),
    _a("protocol", TEXT, "Protocol or transport, e.g. https, grpc, mqtt, kafka."),
    _a("sensitivity", ENUM, "Highest sensitivity of what the flow carries; unstated, it "
       "inherits the sensitivity of what reaches its source.", **_SENS),
)

#: Keys of a component entry that are not attributes.
RESERVED_KEYS = ("id", "kind", "zone", "from", "to", "source", "target")


def attributes_for(
    kind: str, custom: Mapping[str, AttrSpec] | None = None
) -> dict[str, AttrSpec]:
    """The attributes valid on *kind*, built-in and (optionally) custom ones.

    Raises :class:`KeyError` for an unknown kind.
    """
    table = dict(_BY_KIND[kind])
    if custom:
        for name, spec in custom.items():
            if not spec.kinds or kind in spec.kinds:
                table[name] = spec
    return table


def kinds_with_attribute(name: str) -> list[str]:
    """The built-in kinds on which attribute *name* is valid."""
    return [kind for kind, table in _BY_KIND.items() if name in table]


def all_attribute_names() -> set[str]:
    """Names of every built-in component attribute, on any kind."""
    return {name for table in _BY_KIND.values() for name in table}


def custom_spec(
    name: str,
    type: str,
    *,
    kinds: Sequence[str] | None = None,
    description: str | None = None,
    choices: Sequence[str] | None = None,
) -> AttrSpec:
    """Build the :class:`AttrSpec` of an organisation's custom attribute (unchecked)."""
    return AttrSpec(
        name=name,
        type=type,
        choices=tuple(choices) if choices is not None else None,
        description=description or "",
        kinds=tuple(kinds or ()),
        custom=True,
    )


def check_custom_declaration(entry: Any) -> list[SubIssue]:
    """Problems with one ``custom_attributes`` entry (an empty list when valid)."""
    if not isinstance(entry, Mapping):
        return [((), f"expected a mapping with name, type, kinds, description, choices; "
                     f"got {_describe(entry)}")]
    issues: list[SubIssue] = []
    allowed = ("name", "type", "kinds", "description", "choices")
    for key in entry:
        if key not in allowed:
            msg = f"unknown key {key!r}; expected {', '.join(allowed)}"
            guess = nearest(str(key), allowed)
            if guess:
                msg += f"; did you mean {guess!r}?"
            issues.append(((key,), msg))
    name = entry.get("name")
    if name is None:
        issues.append(((), "missing name"))
    elif not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9_]{0,63}", name):
        issues.append((("name",), f"invalid attribute name {_describe(name)}: use lower-case "
                                  "letters, digits and '_', starting with a letter"))
    elif name in all_attribute_names() or name in RESERVED_KEYS:
        issues.append((("name",), f"{name!r} is a built-in attribute; choose another name"))
    type_ = entry.get("type")
    if type_ is None:
        issues.append(((), "missing type"))
    elif type_ not in CUSTOM_ATTR_TYPES:
        msg = f"expected one of: {', '.join(CUSTOM_ATTR_TYPES)}; got {_describe(type_)}"
        issues.append((("type",), msg))
    kinds = entry.get("kinds")
    if kinds is not None:
        if not isinstance(kinds, (list, tuple)):
            issues.append((("kinds",), f"expected a list of kinds, got {_describe(kinds)}"))
        else:
            for i, kind in enumerate(kinds):
                if kind not in KINDS:
                    msg = f"unknown kind {_describe(kind)}"
                    guess = nearest(str(kind), KINDS)
                    if guess:
                        msg += f"; did you mean {guess!r}?"
                    issues.append((("kinds", i), msg))
    description = entry.get("description")
    if description is not None and not isinstance(description, str):
        issues.append((("description",), f"expected text, got {_describe(description)}"))
    choices = entry.get("choices")
    if type_ == ENUM:
        if (
            not isinstance(choices, (list, tuple))
            or not choices
            or not all(isinstance(c, str) and c for c in choices)
        ):
            issues.append((("choices",), "an enum needs choices: a non-empty list of strings"))
        elif len(set(choices)) != len(choices):
            issues.append((("choices",), "choices must be unique"))
    elif choices is not None:
        issues.append((("choices",), "choices are only allowed for type enum"))
    return issues

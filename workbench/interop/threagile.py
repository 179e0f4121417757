"""Import Threagile models (YAML).

A Threagile model has ``technical_assets`` (each with ``type``, ``technology`` or
``technologies``, ``internet``, ``encryption``, CIA ratings and nested
``communication_links``), ``trust_boundaries`` (with ``type``,
``technical_assets_inside`` and ``trust_boundaries_nested``) and
``data_assets``. Threagile files use YAML anchors and merge keys (``<<: *base``)
on purpose; they are expanded with a bound on the nodes copied.

Kinds
=====

From the technology (aliases of Threagile's technology list accepted), then
the asset ``type``:

====================================================================  ====================
technology                                                            kind
====================================================================  ====================
ai (artificial-intelligence, machine-learning, deep-learning,         ``model``
neural-network, ml, dl)
database, identity-store-database, identity-store-ldap, ldap-server,  ``data_store``
file-server, block-storage, local-file-system, data-lake,
big-data-platform, search-index, sourcecode-repository,
artifact-registry, vault
browser, client-system, desktop, devops-client, mobile-app,           ``actor``
iot-device, cli
monitoring (siem), ids, ips                                           ``monitoring``
every other technology (web-server, web-application,                  ``application``, or
application-server, identity-provider, cms, erp, gateway,             ``external_service``
load-balancer, reverse-proxy, waf, message-queue, …)                  for an external-entity
====================================================================  ====================

With no or an unknown technology: ``datastore`` → ``data_store``,
``external-entity`` → ``actor``, ``process`` → ``application`` (reported).
An ``external-entity`` with a server technology is someone else's system:
``external_service``.

Attributes
==========

* ``confidentiality`` → ``sensitivity`` on data-bearing kinds: public → public,
  internal → internal, restricted → internal, confidential → confidential,
  strictly-confidential → secret.
* ``criticality`` from the higher of ``integrity`` and ``availability``:
  archive, operational → low; important → medium; critical → high;
  mission-critical → critical.
* ``internet: true`` → ``internet_facing: true`` on applications and inference
  endpoints; assets outside every trust boundary are in the zone ``internet``
  (trust 0).
* ``encryption`` on data stores → ``encrypted_at_rest`` (none → false, any other
  style → true).
* ``owner``, ``description``, ``tags``; ``out_of_scope`` → the tag ``out-of-scope``.
* Other asset fields (``machine``, ``size``, ``usage``, ``redundant``,
  ``multi_tenant``…) have no place in a workbench model and are reported.

Trust boundaries
================

Each boundary is a zone. Trust by type (reported as an assumption):
network-dedicated-hoster and network-cloud-provider 2; network-on-prem,
network-virtual-lan, network-cloud-security-group and
network-policy-namespace-isolation 3. A nested network boundary is at least
one level above the boundary around it; an ``execution-environment`` (a
logical group, not a protective boundary) has the trust of the boundary
around it (2 at the top level). An asset listed in several boundaries belongs
to the innermost. Assets outside all boundaries are in ``internet`` (trust 0).

Communication links
===================

Each link is a flow from its asset to ``target`` carrying the data assets
sent; when data assets are received, a second flow ``ID-response`` carries them
back (a request and its response are two flows). ``protocol`` is kept;
``encrypted`` follows it (https, wss, ssh, sftp, ftps, scp, ldaps and every
``*-encrypted`` protocol → true; process-local protocols and mqtt → unstated;
others → false) and a ``vpn`` makes it true; ``authentication`` none → the
request flow is ``authenticated: false``, any other → true; ``credentials``,
``session-id``, ``token`` and ``two-factor`` also make it carry ``credentials``.
Data assets get data kinds from their names and descriptions (the ``data``
table of ``catalogs/recognisers.yaml``, reported as guesses) and from tags
marking personal data; data assets with no data kind are reported.

Includes, Threagile's own output and risk tracking
===================================================

:func:`import_threagile` follows ``includes:`` inside the model's folder (see
:func:`_load_with_includes`), refuses ``parsed-model.yaml`` with advice, and keeps
``risk_tracking`` entries that name an asset as threats to carry over
(:data:`RISK_TRACKING_TREATMENTS`). See ``docs/interop/threagile.md``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from workbench.errors import InputError
from workbench.interop._base import Importer
from workbench.interop._common import (
    ImportReport,
    as_list,
    as_mapping,
    hint,
    label,
    load_document,
    plural,
    slugify,
    text_list,
    valid_id,
)
from workbench.interop._common import (
    quoted_ref as _ref,
)
from workbench.interop.recognise import STORE_KINDS, data_kinds_for, recognise, technique_for
from workbench.model.definitions import KINDS
from workbench.model.system import SystemModel

__all__ = [
    "BOUNDARY_TRUST",
    "MAX_INCLUDED_FILES",
    "RISK_TRACKING_TREATMENTS",
    "TECHNOLOGY_KINDS",
    "import_threagile",
    "kind_for_asset",
    "threagile_from_data",
]

EXPECTED = "a Threagile model (YAML with technical_assets, trust_boundaries and data_assets)"

#: Most files one model may consist of (the model and everything it includes).
MAX_INCLUDED_FILES = 64

#: Threagile risk-tracking status → workbench treatment (``None``: open, no decision).
RISK_TRACKING_TREATMENTS: dict[str, str | None] = {
    "unchecked": None,
    "in-discussion": None,
    "accepted": "accept",
    "in-progress": "mitigate",
    "mitigated": "mitigate",
    "false-positive": "not_applicable",
}

_ALIASES = {
    "artificial-intelligence": "ai",
    "machine-learning": "ai",
    "deep-learning": "ai",
    "neural-network": "ai",
    "ml": "ai",
    "dl": "ai",
    "app-server": "application-server",
    "big-data": "big-data-platform",
    "san": "block-storage",
    "web-browser": "browser",
    "ci": "build-pipeline",
    "continuous-integration": "build-pipeline",
    "client": "client-system",
    "command-line": "cli",
    "command-line-tool": "cli",
    "command-line-interface": "cli",
    "content-management-system": "cms",
    "code-inspection": "code-inspection-platform",
    "code-analysis": "code-inspection-platform",
    "container": "container-platform",
    "docker": "container-platform",
    "kubernetes": "container-platform",
    "db": "database",
    "desktop-system": "desktop",
    "enterprise-java-beans": "ejb",
    "enterprise-resource-planning": "erp",
    "file-storage": "file-server",
    "hardware-security-module": "hsm",
    "idp": "identity-provider",
    "identity-store": "identity-store-database",
    "intrusion-detection-system": "ids",
    "iot": "iot-device",
    "intrusion-prevention-system": "ips",
    "ldap": "ldap-server",
    "lb": "load-balancer",
    "local-storage": "local-file-system",
    "email-server": "mail-server",
    "mq": "message-queue",
    "siem": "monitoring",
    "reporting": "report-engine",
    "cron": "scheduler",
    "service-discovery": "service-registry",
    "git": "sourcecode-repository",
    "job": "task",
    "utility": "tool",
    "unknown": "unknown-technology",
    "hashicorp-vault": "vault",
    "web-application-firewall": "waf",
    "web-app": "web-application",
    "rest-api": "web-service-rest",
    "soap-api": "web-service-soap",
}

#: Threagile technology → workbench kind (technologies not listed are applications).
TECHNOLOGY_KINDS: dict[str, str] = {
    "ai": "model",
    **{
        t: "data_store"
        for t in (
            "database",
            "identity-store-database",
            "identity-store-ldap",
            "ldap-server",
            "file-server",
            "block-storage",
            "local-file-system",
            "data-lake",
            "big-data-platform",
            "search-index",
            "sourcecode-repository",
            "artifact-registry",
            "vault",
        )
    },
    **{
        t: "actor"
        for t in (
            "browser",
            "client-system",
            "desktop",
            "devops-client",
            "mobile-app",
            "iot-device",
            "cli",
        )
    },
    **{t: "monitoring" for t in ("monitoring", "ids", "ips")},
    **{
        t: "application"
        for t in (
            "application-server",
            "batch-processing",
            "build-pipeline",
            "cms",
            "code-inspection-platform",
            "container-platform",
            "ejb",
            "erp",
            "event-listener",
            "function",
            "gateway",
            "hsm",
            "identity-provider",
            "library",
            "load-balancer",
            "mail-server",
            "mainframe",
            "message-queue",
            "report-engine",
            "reverse-proxy",
            "scheduler",
            "search-engine",
            "service-mesh",
            "service-registry",
            "stream-processing",
            "task",
            "tool",
            "waf",
            "web-application",
            "web-server",
            "web-service-rest",
            "web-service-soap",
        )
    },
}

_TYPE_KINDS = {"datastore": "data_store", "external-entity": "actor", "process": "application"}

#: Trust level of each Threagile trust-boundary type (execution-environment: inherited).
BOUNDARY_TRUST: dict[str, int] = {
    "network-dedicated-hoster": 2,
    "network-cloud-provider": 2,
    "network-on-prem": 3,
    "network-virtual-lan": 3,
    "network-cloud-security-group": 3,
    "network-policy-namespace-isolation": 3,
}
_EXECUTION_ENVIRONMENT = "execution-environment"
_TOP_LEVEL_DEFAULT = 2

_SENSITIVITY = {
    "public": "public",
    "internal": "internal",
    "restricted": "internal",
    "confidential": "confidential",
    "strictly-confidential": "secret",
}
_CRITICALITY_ORDER = ("archive", "operational", "important", "critical", "mission-critical")
_CRITICALITY = {
    "archive": "low",
    "operational": "low",
    "important": "medium",
    "critical": "high",
    "mission-critical": "critical",
}
_ENCRYPTED_PROTOCOLS = {
    "https",
    "wss",
    "ssh",
    "ssh-tunnel",
    "sftp",
    "ftps",
    "scp",
    "ldaps",
    "jdbc-encrypted",
    "odbc-encrypted",
    "sql-access-protocol-encrypted",
    "nosql-access-protocol-encrypted",
    "binary-encrypted",
    "text-encrypted",
    "reverse-proxy-web-protocol-encrypted",
    "smtp-encrypted",
    "pop3-encrypted",
    "imap-encrypted",
    "smb-encrypted",
    "iiop-encrypted",
    "jrmp-encrypted",
}
_UNSTATED_PROTOCOLS = {
    "in-process-library-call",
    "local-file-access",
    "container-spawning",
    "mqtt",
    "unknown-protocol",
    "",
}
_PERSONAL_TAGS = {
    "pii",
    "personal",
    "personal-data",
    "personal_data",
    "gdpr",
    "phi",
    "personally-identifiable-information",
}

# Asset fields that are read; everything else with a value is reported.
_ASSET_KEYS = {
    "id",
    "description",
    "type",
    "technology",
    "technologies",
    "tags",
    "internet",
    "encryption",
    "owner",
    "confidentiality",
    "integrity",
    "availability",
    "out_of_scope",
    "justification_out_of_scope",
    "communication_links",
    "used_as_client_by_human",
}
_LINK_KEYS = {
    "target",
    "description",
    "protocol",
    "authentication",
    "vpn",
    "data_assets_sent",
    "data_assets_received",
}
_DEFAULTS = {
    "usage": "business",
    "machine": None,
    "size": None,
    "redundant": False,
    "multi_tenant": False,
    "custom_developed_parts": False,
    "ip_filtered": False,
    "readonly": False,
    "authorization": "none",
    "diagram_tweak_order": 0,
    "diagram_tweak_weight": 1,
    "diagram_tweak_constraint": True,
}


def _norm(value: Any) -> str:
    return value.strip().lower() if isinstance(value, str) else ""


def kind_for_asset(asset_type: Any, technologies: list[str]) -> tuple[str, str | None]:
    """The workbench kind of a technical asset and the technology that decided it.

    Returns ``(kind, technology)``; ``technology`` is ``None`` when no technology
    was recognised and the kind follows the asset ``type``.

    >>> kind_for_asset("process", ["web-server"])
    ('application', 'web-server')
    >>> kind_for_asset("process", ["machine-learning"])
    ('model', 'ai')
    >>> kind_for_asset("external-entity", ["web-service-rest"])
    ('external_service', 'web-service-rest')
    """
    atype = _norm(asset_type)
    for raw in technologies:
        tech = _ALIASES.get(_norm(raw), _norm(raw))
        kind = TECHNOLOGY_KINDS.get(tech)
        if kind is None:
            continue
        if atype == "external-entity" and kind == "application":
            kind = "external_service"
        return kind, tech
    return _TYPE_KINDS.get(atype, "application"), None


def import_threagile(path: str | os.PathLike[str]) -> tuple[SystemModel, ImportReport]:
    """Import a Threagile YAML model as a model and an import report.

    Raises :class:`~workbench.errors.InputError` for a file that is not a
    Threagile model.
    """
    data, files = _load_with_includes(Path(path))
    model, report = threagile_from_data(data, str(path))
    if len(files) > 1:
        report.add(
            "note",
            "includes",
            plural(len(files) - 1, "included file"),
            "read and merged: " + ", ".join(files[1:]),
        )
    return model, report


def _load_with_includes(path: Path) -> tuple[dict[str, Any], list[str]]:
    """The model at *path* with its ``includes:`` merged, and the files read (in order).

    Includes are paths relative to the including file and must stay inside the
    folder of the top-level file: absolute paths, ``..`` escapes, symbolic links
    that lead out, cycles and more than :data:`MAX_INCLUDED_FILES` files are
    refused, each with a message naming the file and the include. Mappings of
    included files are merged (the first definition of a key wins and a second
    one is reported by the importer as a note); other values of the including
    file win.
    """
    try:
        root = path.resolve().parent
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    files: list[str] = []
    duplicates: list[str] = []

    def load(file: Path, shown: str, stack: tuple[Path, ...]) -> dict[str, Any]:
        if len(files) >= MAX_INCLUDED_FILES:
            raise InputError(
                f"{shown}: more than {MAX_INCLUDED_FILES} files in one model: refused "
                "(a runaway include?)"
            )
        files.append(shown)
        data = load_document(file, expected=EXPECTED, formats=("yaml",))
        includes = data.get("includes")
        if includes is None:
            return data
        if not isinstance(includes, list) or not all(isinstance(i, str) for i in includes):
            raise InputError(f"{shown}: 'includes' must be a list of file paths")
        merged: dict[str, Any] = {k: v for k, v in data.items() if k != "includes"}
        for ref in includes:
            where = f"{shown}: includes {ref!r}"
            if not ref.strip():
                raise InputError(f"{where}: an empty path")
            if (
                os.path.isabs(ref)
                or ref.startswith(("/", "\\"))
                or (len(ref) > 1 and ref[1] == ":")
            ):
                raise InputError(
                    f"{where}: absolute paths are refused; give a path relative to {shown}"
                )
            if ".." in Path(ref.replace("\\", "/")).parts:
                raise InputError(f"{where}: '..' leads out of the model's folder: refused")
            target = file.parent / ref
            try:
                real = target.resolve(strict=True)
            except FileNotFoundError:
                raise InputError(f"{where}: no such file") from None
            except (OSError, RuntimeError) as exc:
                raise InputError(f"{where}: cannot read: {exc}") from None
            if not real.is_relative_to(root):
                raise InputError(
                    f"{where}: leads out of the model's folder {root} (a symbolic link?): refused"
                )
            if real in stack:
                raise InputError(f"{where}: includes itself (a cycle of includes): refused")
            part = load(target, str(Path(shown).parent / ref), (*stack, real))
            for key, value in part.items():
                if key not in merged:
                    merged[key] = value
                elif isinstance(merged[key], dict) and isinstance(value, dict):
                    for k, v in value.items():
                        if k in merged[key]:
                            duplicates.append(f"{key}.{k}")
                        else:
                            merged[key][k] = v
                elif isinstance(merged[key], list) and isinstance(value, list):
                    merged[key] = merged[key] + value
        if duplicates:
            merged["__duplicates__"] = list(duplicates)
        return merged

    data = load(path, str(path), (path.resolve(),))
    return data, files


def _name_of(key: Any, entry: Mapping[str, Any]) -> Any:
    return key if isinstance(key, str) and key.strip() else entry.get("id")


class _BoundaryLevels:
    """The trust level and nesting depth of each trust boundary, worked out when asked."""

    def __init__(
        self,
        report: ImportReport,
        boundaries: Mapping[str, tuple[Any, Mapping[str, Any]]],
        parent: Mapping[str, str],
    ) -> None:
        self.report = report
        self.boundaries = boundaries
        self.parent = parent
        self.trust: dict[str, int] = {}
        self.depth: dict[str, int] = {}

    def trust_of(self, ident: str) -> int:
        if ident in self.trust:
            return self.trust[ident]
        key, entry = self.boundaries[ident]
        btype = _norm(entry.get("type"))
        up = self.parent.get(ident)
        above = self.trust_of(up) if up is not None else None
        self.depth[ident] = 0 if up is None else self.depth[up] + 1
        if btype == _EXECUTION_ENVIRONMENT:
            value = above if above is not None else _TOP_LEVEL_DEFAULT
        else:
            base = BOUNDARY_TRUST.get(btype)
            if base is None:
                base = _TOP_LEVEL_DEFAULT
                self.report.add(
                    "assumption",
                    f"trust boundary {label(key)!r}",
                    f"type {entry.get('type')!r}",
                    f"unknown boundary type: trust {base} assumed",
                )
            value = base if above is None else max(base, above + 1)
            if above is not None:
                self.report.add(
                    "note",
                    f"trust boundary {label(key)!r}",
                    f"trust {value}",
                    f"a network boundary nested in one of trust {above}: more trusted than "
                    "the boundary around it (it protects what it holds); confirm it",
                )
        self.trust[ident] = value
        return value


class _ThreagileImport(Importer, tool="threagile", expected=EXPECTED):

    def __init__(self, data: Mapping[str, Any], name: str) -> None:
        super().__init__(data, name)
        self.asset_map: dict[str, str] = {}
        self.internet: str | None = None

    def build(self) -> SystemModel:
        data = self.data
        assets = data.get("technical_assets")
        if "technical_assets" not in data and "threagile_version" not in data:
            raise InputError(
                f"{self.name}: not a Threagile model: no 'technical_assets' "
                f"(expected {EXPECTED}){hint(data, 'threagile')}"
            )
        if assets is not None and not isinstance(assets, dict):
            raise InputError(
                f"{self.name}: 'technical_assets' must be a mapping of asset "
                f"titles to assets (expected {EXPECTED})"
            )
        for section in ("trust_boundaries", "data_assets"):
            value = data.get(section)
            if value is not None and not isinstance(value, dict):
                raise InputError(
                    f"{self.name}: '{section}' must be a mapping (expected {EXPECTED})"
                )
        _refuse_parsed_model(data, self.name)
        for dup in as_list(data.get("__duplicates__")):
            self.report.add(
                "note",
                str(dup),
                "defined twice",
                "in more than one included file: the first is kept",
            )
        model = self._system()
        self.data_assets = self._data_assets()
        asset_entries = [(k, v) for k, v in as_mapping(assets).items()]
        for key, value in asset_entries:
            if not isinstance(value, dict):
                self.report.add(
                    "unmapped",
                    f"technical asset {label(key)!r}",
                    "entry",
                    "expected a mapping: not imported",
                )
        asset_entries = [(k, v) for k, v in asset_entries if isinstance(v, dict)]
        # ids first, so that boundaries and links can refer to them
        for key, asset in asset_entries:
            raw_id = asset.get("id")
            cid = self.ids.claim(
                raw_id if valid_id(raw_id) else None, slugify(key), slugify(raw_id), default="asset"
            )
            if raw_id is not None and str(raw_id) != cid:
                self.report.add(
                    "note",
                    f"technical asset {label(key)!r}",
                    f"id {raw_id!r}",
                    f"not a usable id or used twice: imported as {cid!r}",
                )
            self.asset_map.setdefault(str(raw_id if raw_id is not None else key), cid)
        zone_of = self._boundaries(model)
        for key, asset in asset_entries:
            self._asset(model, key, asset, zone_of)
        for key, asset in asset_entries:
            self._links(model, key, asset)
        self._rest()
        self._risk_tracking(model)
        self.unmapped.flush(
            self.report,
            _unmapped_why,
            "no place in a workbench model: not imported",
            noun="element",
        )
        self.notes.flush(self.report, _NOTE_WHY, "imported", category="note", noun="element")
        return model

    # -- system ----------------------------------------------------------------------

    def _system(self) -> SystemModel:
        data = self.data
        title = self.text(data.get("title"), "model", "title", True)
        facts: dict[str, Any] = {}
        if title:
            facts["name"] = title
        parts = []
        for key in ("application_description", "business_overview", "technical_overview"):
            overview = data.get(key)
            text = overview.get("description") if isinstance(overview, dict) else overview
            part = self.text(text, key, "description", False)
            if part:
                parts.append(part)
            images = as_list(overview.get("images")) if isinstance(overview, dict) else []
            if [i for i in images if i]:
                self.report.add(
                    "unmapped", key, plural(len(images), "image"), "images are not kept"
                )
        if parts:
            description = self.text("\n\n".join(parts), "model", "description", False)
            if description:
                facts["description"] = description
        comment = data.get("management_summary_comment")
        if comment:
            self.report.add(
                "unmapped",
                "management_summary_comment",
                "text",
                "a comment for Threagile's report: not imported",
            )
        model = SystemModel(slugify(title) or "threagile-model", **facts)
        author = as_mapping(data.get("author")).get("name")
        if author:
            self.report.add(
                "unmapped",
                "author",
                f"{label(author)!r}",
                "the author of the threat model, not the system owner: not imported",
            )
        criticality = data.get("business_criticality")
        if criticality:
            self.report.add(
                "unmapped",
                "business_criticality",
                repr(criticality),
                "the system as a whole has no criticality; set it on components",
            )
        return model

    # -- data assets -------------------------------------------------------------------

    def _data_assets(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for key, entry in as_mapping(self.data.get("data_assets")).items():
            if not isinstance(entry, dict):
                continue
            ident = entry.get("id", key)
            tags = {t.lower() for t in text_list(entry.get("tags"))}
            name = label(_name_of(key, entry)) or str(ident)
            found = data_kinds_for(name, entry.get("description"), str(ident))
            kinds = [k for k, _ in found]
            if tags & _PERSONAL_TAGS and "personal_data" not in kinds:
                kinds.append("personal_data")
            if found:
                self.report.add(
                    "guessed",
                    f"data asset {name!r}",
                    "data " + ", ".join(kinds),
                    "from its name and description ("
                    + ", ".join(f"{k}: {p!r}" for k, p in found)
                    + "): flows that send it carry these; check them",
                )
            out[str(ident)] = {
                "name": name,
                "personal": bool(tags & _PERSONAL_TAGS),
                "kinds": kinds,
            }
        return out

    # -- trust boundaries --------------------------------------------------------------

    def _boundaries(self, model: SystemModel) -> dict[str, str]:
        """Trust boundaries as zones; returns the zone of each asset a boundary holds."""
        boundaries = {}
        for key, entry in as_mapping(self.data.get("trust_boundaries")).items():
            if not isinstance(entry, dict):
                self.report.add(
                    "unmapped",
                    f"trust boundary {label(key)!r}",
                    "entry",
                    "expected a mapping: not imported",
                )
                continue
            ident = str(entry.get("id", key))
            boundaries[ident] = (key, entry)
        levels = _BoundaryLevels(self.report, boundaries, self._nesting(boundaries))
        zone_of_boundary: dict[str, str] = {}
        for ident, (key, entry) in boundaries.items():
            element = f"trust boundary {label(key)!r}"
            name = self.text(_name_of(key, entry), element, "name", True)
            zid = self.zone_ids.claim(
                ident if valid_id(ident) else None, slugify(name), default="boundary"
            )
            description = self.text(entry.get("description"), element, "description", False)
            model.add_zone(zid, levels.trust_of(ident), name=name, description=description)
            zone_of_boundary[ident] = zid
            tags = text_list(entry.get("tags"))
            if tags:
                self.unmapped.add("trust boundary tags", element)
        if boundaries:
            self.report.add(
                "assumption",
                "trust_boundaries",
                "trust levels",
                "by boundary type: network-dedicated-hoster, network-cloud-provider 2; "
                "network-on-prem, network-virtual-lan, network-cloud-security-group, "
                "network-policy-namespace-isolation 3; nested network boundaries at least one "
                "above their parent; execution-environment as its parent (2 at top level); "
                "outside all boundaries: internet 0",
            )
        holder = self._holders(boundaries, levels.depth)
        return {self.asset_map[ref]: zone_of_boundary[ident] for ref, ident in holder.items()}

    def _nesting(self, boundaries: Mapping[str, tuple[Any, Mapping[str, Any]]]) -> dict[str, str]:
        """The boundary each boundary is nested in; a cycle of nesting is broken."""
        parent: dict[str, str] = {}
        for ident, (key, entry) in boundaries.items():
            for child in as_list(entry.get("trust_boundaries_nested")):
                child = str(child)
                if child not in boundaries:
                    self.report.add(
                        "unmapped",
                        f"trust boundary {label(key)!r}",
                        f"nested boundary {child!r}",
                        "no such trust boundary",
                    )
                elif child in parent:
                    self.report.add(
                        "note",
                        f"trust boundary {label(key)!r}",
                        f"nested boundary {child!r}",
                        f"already nested in {parent[child]!r}: kept there",
                    )
                elif child != ident:
                    parent[child] = ident
        for ident in list(parent):
            seen = {ident}
            node = parent.get(ident)
            while node is not None:
                if node in seen:
                    self.report.add(
                        "unmapped",
                        f"trust boundary {ident!r}",
                        "nesting",
                        "boundaries nested in a cycle: treated as top level",
                    )
                    parent.pop(ident, None)
                    break
                seen.add(node)
                node = parent.get(node)
        return parent

    def _holders(
        self, boundaries: Mapping[str, tuple[Any, Mapping[str, Any]]], depth: Mapping[str, int]
    ) -> dict[str, str]:
        """Which boundary holds each asset: the deepest one listing it."""
        holder: dict[str, str] = {}
        for ident, (key, entry) in boundaries.items():
            for ref in as_list(entry.get("technical_assets_inside")):
                ref = str(ref)
                if ref not in self.asset_map:
                    self.report.add(
                        "unmapped",
                        f"trust boundary {label(key)!r}",
                        f"asset {ref!r}",
                        "no such technical asset",
                    )
                    continue
                current = holder.get(ref)
                if current is None or depth[ident] > depth[current]:
                    holder[ref] = ident
                elif depth[ident] == depth[current]:
                    self.report.add(
                        "note",
                        f"technical asset {ref!r}",
                        "trust boundaries",
                        f"listed in {current!r} and {ident!r}: placed in {current!r}",
                    )
        return holder

    def _internet(self, model: SystemModel) -> str:
        if self.internet is None:
            self.internet = self.zone_ids.claim("internet")
            model.add_zone(
                self.internet,
                0,
                name="Internet",
                description="Technical assets outside every trust boundary.",
            )
        return self.internet

    # -- technical assets ----------------------------------------------------------------

    def _asset(
        self, model: SystemModel, key: Any, asset: Mapping[str, Any], zone_of: Mapping[str, str]
    ) -> None:
        raw_id = asset.get("id")
        cid = self.asset_map[str(raw_id if raw_id is not None else key)]
        element = f"technical asset {label(key)!r}"
        kind, implied = self._asset_kind(key, asset, element)
        table = model.attributes_for(kind)
        values: dict[str, Any] = {k: v for k, v in implied.items() if k in table}
        self.keep_text(values, "name", _name_of(key, asset), element, single=True)
        self.keep_text(values, "description", asset.get("description"), element, single=False)
        self.keep_text(values, "owner", asset.get("owner"), element, single=True)
        tags = text_list(asset.get("tags"))
        conf = _norm(asset.get("confidentiality"))
        if conf:
            if conf not in _SENSITIVITY:
                self.report.add(
                    "unmapped", element, f"confidentiality {conf!r}", "not a Threagile value"
                )
            elif "sensitivity" in table:
                values["sensitivity"] = _SENSITIVITY[conf]
            else:
                self.unmapped.add("confidentiality", element)
        levels = [_norm(asset.get(k)) for k in ("integrity", "availability")]
        known = [v for v in levels if v in _CRITICALITY]
        if known:
            values["criticality"] = _CRITICALITY[max(known, key=_CRITICALITY_ORDER.index)]
        for k, v in zip(("integrity", "availability"), levels, strict=True):
            if v and v not in _CRITICALITY:
                self.report.add("unmapped", element, f"{k} {v!r}", "not a Threagile value")
        if asset.get("internet") is True:
            if "internet_facing" in table:
                values["internet_facing"] = True
            elif kind not in ("actor", "external_service"):
                self.unmapped.add("internet", element)
        encryption = _norm(asset.get("encryption"))
        if encryption and kind == "data_store":
            values["encrypted_at_rest"] = encryption != "none"
        elif encryption and encryption != "none":
            self.unmapped.add("encryption", element)
        if asset.get("out_of_scope") is True:
            tags.append("out-of-scope")
            why = self.text(
                asset.get("justification_out_of_scope"), element, "justification_out_of_scope", True
            )
            self.report.add(
                "note",
                element,
                "out of scope",
                "imported with the tag out-of-scope" + (f"; {why}" if why else ""),
            )
        if tags:
            values["tags"] = tags
        for field_name, value in asset.items():
            if field_name in _ASSET_KEYS or value in (None, "", [], {}):
                continue
            if field_name in _DEFAULTS and value == _DEFAULTS[field_name]:
                continue
            if field_name in (
                "data_assets_processed",
                "data_assets_stored",
                "data_formats_accepted",
            ):
                self.unmapped.add(field_name, element)
                continue
            self.unmapped.add(str(field_name), element)
        zone = zone_of.get(cid) or self._internet(model)
        model.add_component(cid, kind, zone, **values)

    def _asset_kind(
        self, key: Any, asset: Mapping[str, Any], element: str
    ) -> tuple[str, dict[str, Any]]:
        """The kind of a technical asset, and the attributes its recognition implies."""
        techs = [t for t in text_list(asset.get("technologies"))]
        techs += [t for t in text_list(asset.get("technology")) if t not in techs]
        kind, tech = kind_for_asset(asset.get("type"), techs)
        implied: dict[str, Any] = {}
        if kind in ("application", "data_store", "external_service") or tech is None:
            # the shared recogniser: AI services and infrastructure in the name
            found = recognise(
                type=" ".join(techs) or None,
                name=_name_of(key, asset),
                description=asset.get("description"),
                accept=STORE_KINDS
                if kind == "data_store"
                else set(KINDS) - STORE_KINDS - {"actor"},
                zones=False,
            )
            if found is not None and found.kind is not None and found.kind != kind:
                kind, tech = str(found.kind), found.entry
                implied = dict(found.attributes)
                self.guessed_kind(element, kind, found)
        if tech is None:
            shown = ", ".join(techs) if techs else "none"
            self.report.add(
                "guessed",
                element,
                f"technology {shown}",
                f"not recognised: kind {kind} from type {asset.get('type')!r}",
            )
        elif kind == "model":
            self.report.add(
                "note",
                element,
                f"technology {tech}",
                "imported as a model: state model_type and origin",
            )
        return kind, implied

    # -- communication links -------------------------------------------------------------

    def _links(self, model: SystemModel, key: Any, asset: Mapping[str, Any]) -> None:
        raw_id = asset.get("id")
        source = self.asset_map[str(raw_id if raw_id is not None else key)]
        links = asset.get("communication_links")
        if links is None:
            return
        if not isinstance(links, dict):
            self.report.add(
                "unmapped",
                f"technical asset {label(key)!r}",
                "communication_links",
                "expected a mapping: not imported",
            )
            return
        for title, link in links.items():
            element = f"link {label(title)!r} of {source!r}"
            if not isinstance(link, dict):
                self.report.add("unmapped", element, "entry", "expected a mapping: not imported")
                continue
            target_ref = link.get("target")
            target = self.asset_map.get(str(target_ref)) if target_ref is not None else None
            if target is None:
                self.report.add(
                    "unmapped",
                    element,
                    f"target {_ref(target_ref)}",
                    "no such technical asset: link not imported",
                )
                continue
            name = self.text(title, element, "name", True)
            description = self.text(link.get("description"), element, "description", False)
            protocol = _norm(link.get("protocol"))
            encrypted: bool | None
            if protocol in _ENCRYPTED_PROTOCOLS or protocol.endswith("-encrypted"):
                encrypted = True
            elif protocol in _UNSTATED_PROTOCOLS:
                encrypted = None
            else:
                encrypted = False
            if link.get("vpn") is True:
                encrypted = True
            auth = _norm(link.get("authentication"))
            common: dict[str, Any] = {}
            if protocol:
                common["protocol"] = protocol
            if encrypted is not None:
                common["encrypted"] = encrypted
            sent = self._data_kinds(link.get("data_assets_sent"), element)
            received = self._data_kinds(link.get("data_assets_received"), element)
            fid = self.ids.claim(slugify(title), default="link")
            values = dict(common)
            if name:
                values["name"] = name
            if description:
                values["description"] = description
            if auth:
                values["authenticated"] = auth != "none"
            if (
                auth in ("credentials", "session-id", "token", "two-factor")
                and "credentials" not in sent
            ):
                sent = [*sent, "credentials"]
                self.notes.add(f"authentication {auth}", element)
            model.add_flow(fid, source, target, data=sent, **values)
            if as_list(link.get("data_assets_received")):
                rid = self.ids.claim(f"{fid}-response")
                back = dict(common)
                if name:
                    back["name"] = f"{name} (response)"
                model.add_flow(rid, target, source, data=received, **back)
                self.notes.add("data_assets_received", element)
            for field_name, value in link.items():
                if field_name in _LINK_KEYS or value in (None, "", [], {}):
                    continue
                if field_name in _DEFAULTS and value == _DEFAULTS[field_name]:
                    continue
                self.unmapped.add(f"link {field_name}", element)

    def _data_kinds(self, refs: Any, element: str) -> list[str]:
        kinds: list[str] = []
        for ref in as_list(refs):
            info = self.data_assets.get(str(ref))
            if info is None:
                self.report.add("unmapped", element, f"data asset {ref!r}", "no such data asset")
                continue
            if info["kinds"]:
                kinds += [k for k in info["kinds"] if k not in kinds]
            else:
                self.unmapped.add(f"data asset {info['name']!r} ({ref})", element)
        return kinds

    # -- risk tracking -------------------------------------------------------------------

    def _risk_tracking(self, model: SystemModel) -> None:
        tracking = self.data.get("risk_tracking")
        if tracking is None:
            return
        if not isinstance(tracking, dict):
            self.report.add("unmapped", "risk_tracking", "section", "expected a mapping")
            return
        for risk_id, entry in tracking.items():
            risk_id = str(risk_id)
            where = f"risk_tracking {risk_id!r}"
            if not isinstance(entry, dict):
                self.report.add("unmapped", where, "entry", "not a mapping: not carried over")
                continue
            status = _norm(entry.get("status")) or "unchecked"
            if status not in RISK_TRACKING_TREATMENTS:
                self.report.add(
                    "unmapped",
                    where,
                    f"status {status!r}",
                    "not a Threagile status: carried over as open",
                )
            element = _tracking_element(risk_id, self.asset_map)
            if element is None:
                self.report.add(
                    "unmapped",
                    where,
                    f"status {status}",
                    "names no technical asset of the model (wildcards only, or an unknown "
                    "id): not carried over; record the decision on the matching findings "
                    "in the workbench",
                )
                continue
            category = risk_id.split("@", 1)[0]
            title = category.replace("-", " ").strip().capitalize() or "Threagile risk"
            details = []
            for key in ("justification", "ticket", "date", "checked_by"):
                value = self.text(entry.get(key), where, key, key != "justification")
                if value:
                    details.append((key, value))
            found = technique_for(category.replace("-", " "))
            self.add_threat(
                element,
                f"{title} (Threagile risk)",
                found,
                basis="the risk category",
                original_id=risk_id,
                description=f"Threagile risk {risk_id}, tracked with status {status}.",
                status=status,
                treatment=RISK_TRACKING_TREATMENTS.get(status),
                details=tuple(details),
            )
            if "*" in risk_id.split("@", 1)[-1]:
                self.report.add(
                    "note",
                    where,
                    "wildcards",
                    f"carried over for {element!r}, the asset the id names; other matches "
                    "of the wildcards are not",
                )

    # -- the rest ------------------------------------------------------------------------

    def _rest(self) -> None:
        data = self.data
        counted = {
            "questions": "questions",
            "abuse_cases": "abuse cases",
            "security_requirements": "security requirements",
            "shared_runtimes": "shared runtimes",
            "individual_risk_categories": "individual risk categories",
            "custom_risk_categories": "custom risk categories",
            "includes": "included files",
            "contributors": "contributors",
        }
        for key, noun in counted.items():
            value = data.get(key)
            n = len(value) if isinstance(value, (dict, list)) else (1 if value else 0)
            if n:
                why = {
                    "shared_runtimes": "no place in a workbench model (components running on "
                    "the same host); not imported",
                    "includes": "read by import_threagile (paths relative to the file)",
                    "individual_risk_categories": "manually identified risks are not "
                    "imported; run the analysis",
                    "custom_risk_categories": "manually identified risks are not imported; "
                    "run the analysis",
                }.get(key, "not imported")
                self.report.add("unmapped", key, f"{n} {noun}" if n != 1 else f"1 {noun}", why)
        known = {
            "threagile_version",
            "title",
            "date",
            "author",
            "management_summary_comment",
            "business_criticality",
            "business_overview",
            "technical_overview",
            "application_description",
            "tags_available",
            "data_assets",
            "technical_assets",
            "trust_boundaries",
            "risk_tracking",
            *counted,
        }
        for key, value in data.items():
            if key in known or str(key).startswith("diagram_tweak") or value in (None, "", [], {}):
                continue
            self.report.add("unmapped", str(key), "section", "not imported")
        personal = sum(1 for d in self.data_assets.values() if d["personal"])
        if self.data_assets:
            self.report.add(
                "note",
                "data_assets",
                plural(len(self.data_assets), "data asset"),
                f"not components; {personal} tagged as personal data add "
                "personal_data to the flows carrying them",
            )


_UNMAPPED_WHY = {
    "confidentiality": "this kind has no sensitivity attribute: not imported (the data "
    "stores it uses carry theirs)",
    "internet": "marked internet: only applications and endpoints have internet_facing",
    "encryption": "only data stores have encrypted_at_rest: not imported",
    "data_assets_processed": "data assets are not components: not imported",
    "data_assets_stored": "data assets are not components: not imported",
    "data_formats_accepted": "no place in a workbench model: not imported",
    "link authorization": "flows have no authorization attribute: not imported",
    "link tags": "flows have no tags: not imported",
    "link readonly": "flows have no read-only attribute (a read is a flow back): not imported",
    "link ip_filtered": "flows have no IP filter attribute: not imported",
    "link usage": "flows have no usage attribute: not imported",
    "trust boundary tags": "zones have no tags: not imported",
}


def _tracking_element(risk_id: str, asset_map: Mapping[str, str]) -> str | None:
    parts = risk_id.split("@")[1:]
    for part in parts:
        if part in asset_map:
            return asset_map[part]
    return None


def _unmapped_why(what: str) -> str | None:
    if what.startswith("data asset "):
        return (
            "not tagged as personal data: no data kind for it, so the flows do not "
            "carry it; state their data after the import"
        )
    return _UNMAPPED_WHY.get(what)


_NOTE_WHY = {
    "data_assets_received": "data received imported as a second flow ID-response",
    **{
        f"authentication {a}": f"authentication {a}: the request carries credentials"
        for a in ("credentials", "session-id", "token", "two-factor")
    },
}


def _refuse_parsed_model(data: Mapping[str, Any], name: str) -> None:
    """Threagile's own output (``parsed-model.yaml``) is not an input model: refuse it."""
    for asset in as_mapping(data.get("technical_assets")).values():
        if not isinstance(asset, dict):
            continue
        links = asset.get("communication_links")
        techs = asset.get("technologies")
        if isinstance(links, list) or (
            isinstance(techs, list) and any(isinstance(t, dict) for t in techs)
        ):
            raise InputError(
                f"{name}: this is Threagile's parsed model (its output, e.g. "
                "parsed-model.yaml: links as lists with source_id, technologies as "
                "records), not a model Threagile reads: import the threagile.yaml it "
                "was made from instead"
            )


def threagile_from_data(
    data: Mapping[str, Any], name: str = "<threagile>"
) -> tuple[SystemModel, ImportReport]:
    """Import a Threagile document already parsed (see :func:`import_threagile`)."""
    return _ThreagileImport.from_data(data, name)

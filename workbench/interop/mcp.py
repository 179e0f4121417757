"""MCP client configurations as an agent and its tools.

Reads the formats MCP clients ship: a top-level ``mcpServers`` object (desktop
clients, IDE agents, the project-level ``.mcp.json``), the VS Code ``servers``
object (``.vscode/mcp.json``, with the comments and trailing commas VS Code
allows) and a settings file's ``mcp.servers``. The result is one ``agent``
(the client) and one ``tool`` per server, with:

* ``transport``: ``stdio`` runs a local command with the agent's access (the
  tool sits in the workstation zone); ``http``/``sse`` reach a remote service
  in the internet zone, whose host becomes ``supplier`` and ``location``;
* ``package``: the published package or image a launcher runs (``npx``,
  ``uvx``, ``pipx``, ``docker run`` ...), or ``location`` for local code;
* ``secret_env``: the names of the environment variables (and headers) the
  server receives, marked as secrets; their values are never read into the model.

Everything inferred (origin, where the configuration lives, the zones) is in
the import report as a guess or an assumption.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from workbench.errors import InputError
from workbench.interop._base import Importer
from workbench.interop._common import (
    ImportReport,
    clean_text,
    label,
    parse_json_text,
    read_text,
)
from workbench.model.system import SystemModel

__all__ = ["EXPECTED", "MAX_SERVERS", "import_mcp", "is_mcp", "mcp_from_data", "read_mcp"]

EXPECTED = (
    "an MCP client configuration (JSON with mcpServers, or servers as VS Code writes it)"
)
#: Most servers one configuration may declare.
MAX_SERVERS = 1000

_KNOWN_KEYS = {"command", "args", "env", "envFile", "type", "url", "headers", "cwd",
               "disabled", "autoApprove", "alwaysAllow", "timeout", "transportType",
               "description", "name", "transport", "serverUrl"}
_NPM = {"npx", "bunx", "npx.cmd"}
_PYPI = {"uvx", "pipx"}
_INTERPRETERS = {"node", "python", "python3", "deno", "bun", "ruby", "java", "php"}
_DOCKER_VALUE_OPTIONS = {"-e", "--env", "-v", "--volume", "--name", "--network", "-p",
                         "--publish", "--env-file", "-w", "--workdir", "-u", "--user",
                         "--entrypoint", "--mount", "-l", "--label", "--platform", "--pull"}
_ENV_REF = re.compile(r"\$\{(?:env:)?([A-Za-z_][A-Za-z0-9_]*)\}")


def _strip_jsonc(text: str) -> str:
    """JSON with ``//`` and ``/* */`` comments and trailing commas, as plain JSON."""
    out: list[str] = []
    i, n = 0, len(text)
    in_string = False
    while i < n:
        ch = text[i]
        if in_string:
            out.append(ch)
            if ch == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 2
                continue
            if ch == '"':
                in_string = False
            i += 1
            continue
        if ch == '"':
            in_string = True
            out.append(ch)
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
            out.append(" ")
            continue
        else:
            out.append(ch)
        i += 1
    return re.sub(r",(\s*[}\]])", r"\1", "".join(out))


def read_mcp(path: str | os.PathLike[str]) -> Any:
    """Parse an MCP configuration file (JSON, comments and trailing commas allowed)."""
    name = str(path)
    text = read_text(path, expected=EXPECTED)
    if not text.strip():
        raise InputError(f"{name}: empty: expected {EXPECTED}")
    try:
        return parse_json_text(text, name, expected=EXPECTED)
    except InputError:
        return parse_json_text(_strip_jsonc(text), name, expected=EXPECTED)


def _servers(data: Any) -> tuple[str, Mapping[str, Any]] | None:
    if not isinstance(data, Mapping):
        return None
    if isinstance(data.get("mcpServers"), Mapping):
        return "mcpServers", data["mcpServers"]
    servers = data.get("servers")
    if isinstance(servers, Mapping) and all(
        isinstance(v, Mapping) and ({"command", "url", "type"} & set(v))
        for v in list(servers.values())[:50]
    ):
        return "servers", servers
    mcp = data.get("mcp")
    if isinstance(mcp, Mapping) and isinstance(mcp.get("servers"), Mapping):
        return "mcp.servers", mcp["servers"]
    return None


def is_mcp(data: Any) -> bool:
    """True when *data* (parsed JSON) is an MCP client configuration."""
    return _servers(data) is not None


def import_mcp(path: str | os.PathLike[str]) -> tuple[SystemModel, ImportReport]:
    """Import an MCP client configuration file as a model and an import report."""
    return mcp_from_data(read_mcp(path), str(path))


def _package_version(spec: str, registry: str) -> tuple[str, str | None]:
    if registry == "npm":
        at = spec.rfind("@")
        if at > 0:
            return spec[:at], spec[at + 1 :] or None
        return spec, None
    if registry == "pypi":
        for sep in ("==", "@"):
            if sep in spec:
                base, _, version = spec.partition(sep)
                return base, version or None
        return spec, None
    if ":" in spec.rsplit("/", 1)[-1] or "@sha256:" in spec:
        base, _, version = spec.rpartition("@") if "@sha256:" in spec else spec.rpartition(":")
        return base, version
    return spec, None


def _first_positional(args: list[str], value_options: frozenset[str] | set[str] = frozenset()
                      ) -> int | None:
    skip = False
    for i, arg in enumerate(args):
        if skip:
            skip = False
            continue
        if arg.startswith("-"):
            skip = arg in value_options
            continue
        return i
    return None


class _Launch:
    """What a stdio command runs: a published package, an image, or local code."""

    def __init__(self, command: str, args: list[str]) -> None:
        self.command = command
        self.args = args
        self.registry: str | None = None
        self.package: str | None = None
        self.version: str | None = None
        self.local: str | None = None
        self.env_names: list[str] = []
        base = Path(command.replace("\\", "/")).name.lower()
        if base in _NPM or (base in ("pnpm", "yarn") and args[:1] == ["dlx"]):
            rest = args[1:] if base in ("pnpm", "yarn") else args
            idx = _first_positional(rest, {"-p", "--package"})
            self._published("npm", rest, idx)
        elif base in _PYPI or (base == "uv" and args[:2] == ["tool", "run"]):
            rest = args[2:] if base == "uv" else (args[1:] if base == "pipx" and args[:1] == [
                "run"] else args)
            idx = _first_positional(rest, {"--from", "--with", "-p", "--python"})
            self._published("pypi", rest, idx)
        elif base in ("docker", "podman") and args[:1] == ["run"]:
            rest = args[1:]
            for i, arg in enumerate(rest):
                if arg in ("-e", "--env") and i + 1 < len(rest):
                    self.env_names.append(rest[i + 1].split("=", 1)[0])
            idx = _first_positional(rest, _DOCKER_VALUE_OPTIONS)
            self._published("docker", rest, idx)
        elif base in _INTERPRETERS or base.startswith("python3"):
            idx = _first_positional(args, {"-m"} if base.startswith("python") else set())
            if base.startswith("python") and "-m" in args:
                module_at = args.index("-m") + 1
                self.local = f"python module {args[module_at]}" if module_at < len(args) else None
            elif idx is not None:
                self.local = args[idx]
        elif "/" in command or "\\" in command or command.startswith("."):
            self.local = command

    def _published(self, registry: str, rest: list[str], idx: int | None) -> None:
        if idx is None:
            return
        self.registry = registry
        self.package, self.version = _package_version(rest[idx], registry)


def _names(value: Any) -> list[str]:
    if not isinstance(value, Mapping):
        return []
    return sorted(str(k)[:100] for k in value if isinstance(k, str) and k.strip())


class _McpImport(Importer, tool="mcp", expected=EXPECTED, top_level="an object"):

    def build(self) -> SystemModel:
        found = _servers(self.data)
        if found is None:
            raise InputError(f"{self.name}: no mcpServers or servers object: expected {EXPECTED}")
        where, servers = found
        if len(servers) > MAX_SERVERS:
            raise InputError(
                f"{self.name}: {where} declares {len(servers):,} servers, more than the "
                f"{MAX_SERVERS:,} an import accepts: refused"
            )
        base = Path(self.name).name
        model = SystemModel("mcp-client", name=f"MCP client ({base})",
                            description=f"Agent and tools imported from the MCP client "
                                        f"configuration {base}.")
        model.add_zone("workstation", 3, name="Workstation",
                       description="The machine the MCP client and its stdio servers run on.")
        self.report.add("assumption", "zones", "workstation (trust 3)",
                        "the client and its stdio servers run on a user's machine")
        self.report.zones = 1
        agent = self.ids.claim("mcp-client")
        project_level = base == ".mcp.json" or (base == "mcp.json" and
                                               Path(self.name).parent.name == ".vscode")
        agent_attrs: dict[str, Any] = {"local": True}
        self.report.add("guessed", agent, "local: true",
                        "an MCP client configuration is read by a client on the user's machine")
        if project_level:
            agent_attrs["config_source"] = "shared_repository"
            self.report.add("guessed", agent, "config_source: shared_repository",
                            f"{base} is a project-level configuration kept in the repository")
        model.add_component(agent, "agent", "workstation", name="MCP client", **agent_attrs)
        secrets_anywhere = False
        for server_name in list(servers)[:MAX_SERVERS]:
            entry = servers[server_name]
            element = f"{where}.{label(server_name) or '?'}"
            if not isinstance(entry, Mapping):
                self.report.add("unmapped", element, "server", "expected an object")
                continue
            if self._server(model, agent, str(server_name), entry, element):
                secrets_anywhere = True
        if isinstance(self.data.get("inputs"), list) and self.data["inputs"]:
            self.report.add("note", "inputs", f"{len(self.data['inputs'])} input(s)",
                            "values the client prompts for; never read into the model")
        if secrets_anywhere:
            model.update_component(agent, holds_credentials=True)
            self.report.add("note", agent, "holds_credentials: true",
                            "the configuration passes secrets to its servers")
        return model

    def _server(self, model: SystemModel, agent: str, server_name: str,
                entry: Mapping[str, Any], element: str) -> bool:
        for key in sorted(set(entry) - _KNOWN_KEYS):
            self.report.add("unmapped", element, str(key)[:60], "not an MCP server field this "
                            "import knows")
        tid = self.ids.claim(server_name, default="tool")
        name = clean_text(server_name, report=self.report, element=element, field_name="name",
                          single_line=True) or tid
        attrs: dict[str, Any] = {"name": name, "mcp_server": True}
        url = entry.get("url") or entry.get("serverUrl")
        command = entry.get("command")
        kind = str(entry.get("type") or entry.get("transport") or entry.get("transportType")
                   or "")
        secrets = _names(entry.get("env"))
        headers = _names(entry.get("headers"))
        if isinstance(entry.get("envFile"), str):
            self.report.add("note", element, "envFile",
                            "variables from an env file: their names are not read")
        zone = "workstation"
        flow_data = ["tool_call"]
        if isinstance(url, str) and url.strip():
            parts = urlsplit(url.strip())
            host = parts.hostname or ""
            if parts.scheme not in ("http", "https") or not host:
                self.report.add("unmapped", element, "url", "expected an http(s) URL")
                return False
            attrs["transport"] = "sse" if "sse" in kind.lower() or parts.path.rstrip(
                "/").endswith("/sse") else "http"
            attrs["location"] = f"{parts.scheme}://{host}{parts.path}"[:300]
            attrs["supplier"] = host
            attrs["origin"] = "third_party"
            if parts.query or parts.username or parts.password:
                self.report.add("note", element, "url", "query and credentials in the URL "
                                "dropped: they are never copied into the model")
            self.report.add("guessed", element, "origin: third_party",
                            f"a remote service at {host}")
            if not any(z.id == "internet" for z in model.zones()):
                model.add_zone("internet", 0, name="Internet",
                               description="Remote MCP servers reached over the network.")
                self.report.add("assumption", "zones", "internet (trust 0)",
                                "remote MCP servers are outside the organisation's control")
            zone = "internet"
            secrets += [f"header {h}" for h in headers]
            protocol = parts.scheme
        elif isinstance(command, str) and command.strip():
            args = [str(a) for a in entry.get("args") or [] if isinstance(a, (str, int, float))]
            launch = _Launch(command.strip(), args)
            attrs["transport"] = "stdio"
            secrets += [n for n in launch.env_names if n not in secrets]
            if launch.package:
                attrs["package"] = f"{launch.registry}:{launch.package}"[:200]
                attrs["origin"] = "third_party"
                self.report.add("guessed", element, "origin: third_party",
                                f"runs the published {launch.registry} package "
                                f"{launch.package}")
                if launch.version:
                    attrs["version"] = launch.version[:100]
                else:
                    self.report.add("note", element, "version", "not pinned: whatever release "
                                    "is newest runs each time the client starts")
            elif launch.local:
                attrs["location"] = launch.local[:300].replace(" ", "%20")
                self.report.add("note", element, "origin", f"local code ({launch.local[:80]}): "
                                "who wrote it is not stated")
            else:
                self.report.add("note", element, "command",
                                f"runs {Path(command).name[:60]}: cannot tell whether it is a "
                                "published package or local code")
            attrs["description"] = (f"Runs `{Path(command).name[:60]}` over stdio on the "
                                    "workstation, with the agent's access.")
            protocol = "stdio"
        else:
            self.report.add("unmapped", element, "server", "neither a command nor a url")
            return False
        if secrets:
            attrs["secret_env"] = tuple(sorted(set(secrets)))
            attrs["holds_credentials"] = True
            flow_data.append("credentials")
            self.report.add("note", element, f"{len(secrets)} secret name(s)",
                            "marked as secrets: the names are kept, the values never read")
        if entry.get("disabled") is True:
            attrs["tags"] = ("disabled",)
        for key in ("autoApprove", "alwaysAllow"):
            if isinstance(entry.get(key), list) and entry[key]:
                self.report.add("note", element, key, f"{len(entry[key])} tool(s) run without "
                                "asking the user")
        model.add_component(tid, "tool", zone, **attrs)
        call_id = self.ids.claim(f"{tid}-call")
        model.add_flow(call_id, agent, tid, flow_data, protocol=protocol,
                       **({"encrypted": protocol == "https"} if zone == "internet" else {}))
        model.add_flow(self.ids.claim(f"{tid}-result"), tid, agent, ["tool_result"],
                       protocol=protocol)
        return bool(secrets)


def mcp_from_data(data: Any, name: str = "<mcp>") -> tuple[SystemModel, ImportReport]:
    """Import an MCP configuration already parsed from JSON (see :func:`import_mcp`)."""
    return _McpImport.from_data(data, name)

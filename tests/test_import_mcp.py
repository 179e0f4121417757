"""MCP client configurations imported as an agent and its tools."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.cli import main
from workbench.errors import InputError
from workbench.interop import detect_format, import_model
from workbench.interop.mcp import MAX_SERVERS, import_mcp
from workbench.model import dumps_model, load_model
from workbench.rules import analyze

SECRET = "ghp_thisMustNeverAppear123"

DESKTOP = {
    "mcpServers": {
        "github": {
            "command": "npx",
            "args": ["-y", "@modelcontextprotocol/server-github"],
            "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": SECRET},
        },
        "git": {"command": "uvx", "args": ["mcp-server-git==0.6.2", "--repository", "."]},
        "scripts": {"command": "python3", "args": ["./tools/server.py"]},
        "docker-gh": {
            "command": "docker",
            "args": ["run", "-i", "--rm", "-e", "GITHUB_TOKEN",
                     "ghcr.io/github/github-mcp-server:0.4.0"],
            "env": {"GITHUB_TOKEN": SECRET},
        },
        "search": {"url": "https://mcp.search.example/sse?key=" + SECRET,
                   "headers": {"Authorization": "Bearer " + SECRET}},
    }
}

VSCODE = """{
  // VS Code workspace MCP servers
  "inputs": [{"type": "promptString", "id": "token", "password": true}],
  "servers": {
    "fetch": {"type": "stdio", "command": "uvx", "args": ["mcp-server-fetch"]},
    "docs": {"type": "http", "url": "https://docs.example.com/mcp",
             "headers": {"X-Api-Key": "${input:token}"}},  /* remote */
  },
}
"""


def write(path: Path, data) -> Path:
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def test_desktop_configuration_becomes_agent_and_tools(tmp_path):
    model, report = import_mcp(write(tmp_path / "claude_desktop_config.json", DESKTOP))
    [agent] = model.components("agent")
    assert agent.get("local") is True and agent.get("holds_credentials") is True
    tools = {t.id: t for t in model.components("tool")}
    assert set(tools) == {"github", "git", "scripts", "docker-gh", "search"}
    github = tools["github"]
    assert github.get("transport") == "stdio" and github.zone == "workstation"
    assert github.get("package") == "npm:@modelcontextprotocol/server-github"
    assert github.get("origin") == "third_party" and github.get("mcp_server") is True
    assert tuple(github.get("secret_env")) == ("GITHUB_PERSONAL_ACCESS_TOKEN",)
    assert tools["git"].get("package") == "pypi:mcp-server-git"
    assert tools["git"].get("version") == "0.6.2"
    assert tools["docker-gh"].get("package") == "docker:ghcr.io/github/github-mcp-server"
    assert tools["scripts"].get("location") == "./tools/server.py"
    assert tools["scripts"].get("origin") is None  # local code: who wrote it is not stated
    search = tools["search"]
    assert search.get("transport") == "sse" and search.zone == "internet"
    assert search.get("supplier") == "mcp.search.example"
    assert search.get("location") == "https://mcp.search.example/sse"
    assert tuple(search.get("secret_env")) == ("header Authorization",)
    assert model.flow("github-call").data == ("tool_call", "credentials")
    assert model.flow("github-result").source == "github"
    assert {e.what for e in report.of("guessed")} >= {"local: true", "origin: third_party"}
    assert report.of("assumption")
    assert SECRET not in dumps_model(model, "yaml")
    assert SECRET not in report.to_text()


def test_the_analysis_finds_supply_chain_and_credential_exposure(tmp_path):
    model, _ = import_mcp(write(tmp_path / "mcp.json", DESKTOP))
    rules = {(f.rule, f.element) for f in analyze(model).findings}
    assert ("third-party-agent-tool", "github") in rules
    assert ("agent-config-credentials", "mcp-client") in rules
    assert ("local-agent-host-compromise", "mcp-client") in rules


def test_vscode_servers_with_comments_and_project_level_file(tmp_path):
    folder = tmp_path / ".vscode"
    folder.mkdir()
    path = write(folder / "mcp.json", VSCODE)
    assert detect_format(path) == "mcp"
    model, report = import_model(path)
    agent = model.component("mcp-client")
    assert agent.get("config_source") == "shared_repository"
    assert model.component("docs").get("secret_env") == ("header X-Api-Key",)
    assert model.component("fetch").get("version") is None
    assert any(e.what == "version" for e in report.of("note"))
    assert any(e.element == "inputs" for e in report.of("note"))
    project = write(tmp_path / ".mcp.json", {"mcpServers": {"x": {"command": "npx",
                                                                   "args": ["pkg@1.0.0"]}}})
    model, _ = import_model(project)
    assert model.component("mcp-client").get("config_source") == "shared_repository"
    assert model.component("x").get("version") == "1.0.0"


def test_settings_file_mcp_servers(tmp_path):
    path = write(tmp_path / "settings.json",
                 {"editor.fontSize": 12, "mcp": {"servers": {"a": {"command": "npx",
                                                                   "args": ["-y", "b"]}}}})
    model, _ = import_model(path)
    assert model.component("a").get("package") == "npm:b"


def test_cli_import_writes_a_valid_model(tmp_path, capsys):
    source = write(tmp_path / ".mcp.json", DESKTOP)
    out = tmp_path / "agent.yaml"
    assert main(["import-model", str(source), "--output", str(out)]) == 0
    assert "mcp: 6 components" in capsys.readouterr().out
    assert len(load_model(out).components("tool")) == 5


def test_a_million_servers_is_refused(tmp_path, capsys):
    servers = {f"s{i}": {"command": "x"} for i in range(MAX_SERVERS + 1)}
    path = write(tmp_path / "mcp.json", {"mcpServers": servers})
    with pytest.raises(InputError, match="more than the 1,000"):
        import_mcp(path)
    huge = tmp_path / "huge.json"
    with huge.open("w") as handle:
        handle.write('{"mcpServers": {')
        handle.write(",".join(f'"s{i}": {{"command": "x"}}' for i in range(1_000_000)))
        handle.write("}}")
    assert main(["import-model", str(huge)]) == 2
    assert "too large" in capsys.readouterr().err


def test_bad_servers_are_reported_not_imported(tmp_path):
    model, report = import_mcp(write(tmp_path / "mcp.json", {"mcpServers": {
        "empty": {}, "odd": "text", "ftp": {"url": "ftp://host/x"},
        "ok": {"command": "npx", "args": ["-y", "p"], "weird": 1}}}))
    assert [t.id for t in model.components("tool")] == ["ok"]
    unmapped = {(e.element, e.what) for e in report.unmapped}
    assert {("mcpServers.empty", "server"), ("mcpServers.odd", "server"),
            ("mcpServers.ftp", "url"), ("mcpServers.ok", "weird")} <= unmapped

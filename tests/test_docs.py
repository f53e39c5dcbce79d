"""The project's documentation stands on its own: every link between its documents resolves,
no code points at a design file outside the repository, and the protocol document names every
frame a socket accepts."""

import re
from pathlib import Path

import pytest

from kitsune_livechat.consumers import base, console, floor
from kitsune_livechat.consumers import chat as chat_consumer
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
CODE_TREES = ("kitsune_livechat", "example_site", "tests", "bench")
CODE_SUFFIXES = {".py", ".js", ".css", ".html", ".txt", ".cfg", ".toml"}
# Built from parts so this file does not mention it itself.
OUTSIDE_DESIGN_FILE = "DESIGN" + ".md"

LINK = re.compile(r"\]\(([^)\s]+)\)")


def anchors(path: Path) -> set[str]:
    """The anchors a Markdown renderer such as GitHub's gives the headings of ``path``."""
    found = set()
    for line in path.read_text().splitlines():
        heading = re.match(r"#+\s+(.*)", line)
        if heading:
            text = heading.group(1).strip().lower()
            found.add(re.sub(r"[^\w\- ]", "", text).replace(" ", "-"))
    return found


def local_links(path: Path) -> list[tuple[Path, str]]:
    links = []
    for target in LINK.findall(path.read_text()):
        if re.match(r"[a-z]+:", target):
            continue
        file_part, _, anchor = target.partition("#")
        links.append(((path.parent / file_part).resolve() if file_part else path, anchor))
    return links


def test_docs_exist():
    names = {path.name for path in (ROOT / "docs").glob("*.md")}
    assert {
        "README.md",
        "architecture.md",
        "http-api.md",
        "websocket-protocol.md",
        "deployment.md",
    } <= names


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_link_resolves(document):
    broken = []
    for target, anchor in local_links(document):
        if not target.exists():
            broken.append(f"{target.relative_to(ROOT)} (missing)")
        elif anchor and target.suffix == ".md" and anchor not in anchors(target):
            broken.append(f"{target.relative_to(ROOT)}#{anchor} (no such heading)")
    assert broken == []


def test_readme_links_every_document():
    readme = (ROOT / "README.md").read_text()
    index = (ROOT / "docs" / "README.md").read_text()
    for path in (ROOT / "docs").glob("*.md"):
        assert f"docs/{path.name}" in readme
        if path.name != "README.md":
            assert f"]({path.name})" in index


def test_no_code_cites_an_outside_design_file():
    citing = [
        str(path.relative_to(ROOT))
        for tree in CODE_TREES
        for path in (ROOT / tree).rglob("*")
        if path.suffix in CODE_SUFFIXES
        and path.is_file()
        and OUTSIDE_DESIGN_FILE in path.read_text(errors="ignore")
    ]
    assert citing == []


def test_docs_cite_no_outside_design_file():
    assert [str(p) for p in DOCUMENTS if OUTSIDE_DESIGN_FILE in p.read_text()] == []


def test_protocol_document_names_every_client_frame_and_close_code():
    protocol = (ROOT / "docs" / "websocket-protocol.md").read_text()
    sockets = (chat_consumer.SessionConsumer, console.AgentConsumer, floor.FloorConsumer)
    frames = {frame for socket in sockets for frame in socket.frames}
    assert [frame for frame in sorted(frames) if f"`{frame}`" not in protocol] == []
    codes = [value for name, value in vars(base).items() if name.startswith("CLOSE_")]
    assert codes and [code for code in codes if f"| {code} |" not in protocol] == []


METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


def documented_paths(text: str) -> set[str]:
    """API paths named in the first column of the document's route tables.

    A row may shorten its routes: "`POST trainees/{id}/pair` · `propose`" names
    ``trainees/{id}/propose`` too, and "`GET invitations` · `POST invitations/{s}/accept` ·
    `/decline`" names ``invitations/{s}/decline``.
    """
    paths = set()
    for line in text.splitlines():
        if not line.startswith("| `"):
            continue
        first_cell = re.split(r"(?<!\\)\|", line)[1]
        previous = None
        for token in re.findall(r"`([^`]+)`", first_cell):
            words = token.split()
            if words and words[0] in METHODS:
                words = words[1:]
            if not words:
                continue
            path = words[0].split("?")[0]
            if previous and (path.startswith("/") or "/" not in path):
                path = previous.rsplit("/", 1)[0] + "/" + path.lstrip("/")
            paths.add(path)
            previous = path
    return paths


@pytest.mark.django_db
def test_api_document_names_every_route(api_client):
    schema = api_client(UserFactory()).get("openapi.json").json()
    documented = documented_paths((ROOT / "docs" / "http-api.md").read_text())
    missing = []
    for path in schema["paths"]:
        relative = path.split("/livechat/api/", 1)[1]
        pattern = re.compile(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(relative)))
        if not any(pattern.fullmatch(name) for name in documented):
            missing.append(relative)
    assert missing == []

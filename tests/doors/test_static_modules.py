"""The screens' JavaScript modules: every import names a module that exists and a name it
exports, and every module a template loads is shipped. There is no build step to catch a
broken import before a browser does."""

import re
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[2] / "kitsune_livechat"
STATIC = APP / "static"
SCRIPTS = sorted(STATIC.rglob("*.js"))

IMPORT = re.compile(r"^import\s+(?:\{([^}]*)\}\s+from\s+)?[\"']([^\"']+)[\"'];?", re.M | re.S)
EXPORT = re.compile(
    r"^export\s+(?:async\s+)?(?:function\*?|class|const|let|var)\s+([A-Za-z_$][\w$]*)", re.M
)
EXPORT_LIST = re.compile(r"^export\s*\{([^}]*)\}", re.M)
LOADED = re.compile(r"""static ['"](livechat/[^'"]+\.js)['"]""")


def exported_names(path: Path) -> set[str]:
    text = path.read_text()
    names = set(EXPORT.findall(text))
    for group in EXPORT_LIST.findall(text):
        names.update(part.split(" as ")[-1].strip() for part in group.split(",") if part.strip())
    return names


def test_the_scripts_are_found():
    assert len(SCRIPTS) > 20


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(STATIC)))
def test_every_import_resolves_to_an_exported_name(script):
    broken = []
    for names, target in IMPORT.findall(script.read_text()):
        module = (script.parent / target).resolve()
        if not module.is_file():
            broken.append(f"{target}: no such module")
            continue
        wanted = {part.split(" as ")[0].strip() for part in names.split(",") if part.strip()}
        missing = sorted(wanted - exported_names(module))
        if missing:
            broken.append(f"{target}: does not export {', '.join(missing)}")
    assert broken == []


def test_every_script_a_template_loads_is_shipped():
    templates = (APP / "templates").rglob("*.html")
    loaded = {name for t in templates for name in LOADED.findall(t.read_text())}
    assert loaded and [name for name in sorted(loaded) if not (STATIC / name).is_file()] == []

"""The project's own documentation agrees with the code it describes."""

from __future__ import annotations

import re
from pathlib import Path

from auth.models import Role
from auth.permissions import ROLES_FOR, Permission

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_permission_table_in_docs_matches_the_code():
    rows = {}
    lines = (DOCS / "permissions.md").read_text().splitlines()
    header = next(line for line in lines if line.startswith("| permission |"))
    roles = [cell.strip() for cell in header.strip("|").split("|")[1:]]
    for line in lines:
        match = re.match(r"\| `([a-z_.]+)` \|(.*)\|$", line)
        if match:
            cells = [cell.strip() for cell in match.group(2).split("|")]
            rows[match.group(1)] = {
                role for role, cell in zip(roles, cells, strict=True) if cell == "yes"
            }
    assert roles == [role.value for role in Role]
    assert rows == {p.value: {r.value for r in ROLES_FOR[p]} for p in Permission}


def test_readme_links_only_to_files_a_clone_has():
    readme = (DOCS.parent / "README.md").read_text()
    assert "../shared" not in readme
    for target in re.findall(r"\]\(([^)#]+)\)", readme):
        if not target.startswith("http"):
            assert (DOCS.parent / target).exists(), target


_DOTTED = re.compile(
    r"`((?:core|auth|intake|cases|scheduling|aftercare|reports|centre)(?:\.\w+)+)`"
)
_PATH = re.compile(r"`((?:core|auth|intake|cases|scheduling|aftercare|reports)/[\w/]*(?:\.py|/))`")


def _resolves(reference: str) -> bool:
    import importlib

    parts = reference.split(".")
    for i in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for name in parts[i:]:
            if not hasattr(found, name):
                return False
            found = getattr(found, name)
        return True
    return False


def test_every_module_and_path_the_docs_name_exists():
    """docs/ and the README name modules (`core.audit.audited_page`) and paths
    (`intake/clients/episodes.py`); each must still be there after a move."""
    texts = [(DOCS.parent / "README.md").read_text()]
    texts += [page.read_text() for page in DOCS.glob("*.md")]
    text = "\n".join(texts)
    missing = [ref for ref in set(_DOTTED.findall(text)) if not _resolves(ref)]
    missing += [p for p in set(_PATH.findall(text)) if not (DOCS.parent / p).exists()]
    assert sorted(missing) == []

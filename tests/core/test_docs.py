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

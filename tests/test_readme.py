"""The README and the docs stay true: the README starts with the two commands and stays short, the
operations page lists every setting, and every relative link and anchor of the Markdown pages
resolves."""

import ast
import re
from pathlib import Path

import pytest

from ehp_api.core.config import Settings

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
OPERATIONS = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
PAGES = sorted(
    [
        ROOT / "README.md",
        ROOT / "CONTRIBUTING.md",
        ROOT / "CHANGELOG.md",
        ROOT / "benchmarks" / "README.md",
        *(ROOT / "docs").glob("*.md"),
    ]
)

_FENCE = re.compile(r"^```.*?^```[ \t]*$", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"`[^`\n]*`")
_LINK = re.compile(r"\]\(([^)\s]+)\)")
_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)


def _prose(markdown: str) -> str:
    """The text outside code blocks (a `# comment` in a shell block is not a heading)."""
    return _FENCE.sub("", markdown)


def anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives the page's headings: lower case, punctuation dropped, spaces to
    hyphens, a repeated heading suffixed `-1`, `-2`..."""
    seen: dict[str, int] = {}
    result = set()
    for heading in _HEADING.findall(_prose(markdown)):
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).replace("`", "")
        slug = re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        result.add(slug if count == 0 else f"{slug}-{count}")
    return result


def relative_links(markdown: str) -> list[str]:
    prose = _CODE_SPAN.sub("", _prose(markdown))
    return [t for t in _LINK.findall(prose) if not re.match(r"[a-z][a-z0-9+.-]*:", t)]


def test_every_setting_is_documented() -> None:
    missing = [
        f"EHP_{n.upper()}" for n in Settings.model_fields if f"`EHP_{n.upper()}`" not in OPERATIONS
    ]
    assert missing == []


def test_the_two_commands_come_first() -> None:
    first_block = README.split("```")[1]
    assert "make run" in first_block
    assert "make test" in first_block


def test_the_readme_stays_short() -> None:
    """The README is for a newcomer's first minutes; the rest lives in docs/ by reader."""
    assert len(README.splitlines()) <= 200


def test_anchors_follow_github() -> None:
    page = (
        "# A quick tour\n\n## Batches: `POST /api/v1/readings/batch`\n\n## Faults\n\n### Faults\n"
    )
    assert anchors(page) == {
        "a-quick-tour",
        "batches-post-apiv1readingsbatch",
        "faults",
        "faults-1",
    }
    assert relative_links("[a](docs/api.md#x) [b](https://example.org) `[c](d.md)`") == [
        "docs/api.md#x"
    ]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_and_anchor_resolves(page: Path) -> None:
    broken = []
    for target in relative_links(page.read_text(encoding="utf-8")):
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists():
            broken.append(target)
            continue
        if anchor and (
            linked.suffix != ".md" or anchor not in anchors(linked.read_text(encoding="utf-8"))
        ):
            broken.append(target)
    assert broken == []


_CODE_BLOCK = re.compile(r"^```(\w*)\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
_SHELL_COMMENT = re.compile(r"[ \t]+#[^\n]*$", re.MULTILINE)


def _code_shape(lang: str, body: str) -> str:
    """A code block as the two guides must share it: a console block without its trailing
    comments, a Python block as its syntax tree with prose (strings holding a space) blanked."""
    if lang == "python":
        tree = ast.parse(body)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and " " in node.value:
                node.value = "<prose>"
        return ast.dump(tree)
    return _SHELL_COMMENT.sub("", body)


def test_the_french_partner_guide_keeps_the_english_ones_commands_and_sections() -> None:
    """docs/partenaires.md translates docs/partners.md, the reference: the same sections in the
    same order, and the same commands, URLs, keys and code, so a change to one shows in the
    other."""
    english = (ROOT / "docs" / "partners.md").read_text(encoding="utf-8")
    french = (ROOT / "docs" / "partenaires.md").read_text(encoding="utf-8")

    def levels(page: str) -> list[int]:
        return [len(m) for m in re.findall(r"^(#{1,6})[ \t]", _prose(page), re.MULTILINE)]

    def blocks(page: str) -> list[str]:
        return [_code_shape(lang, body) for lang, body in _CODE_BLOCK.findall(page)]

    assert levels(french) == levels(english)
    assert blocks(french) == blocks(english)
    assert len(blocks(english)) == 5
    assert "partenaires.md" in english
    assert "docs/partenaires.md" in README

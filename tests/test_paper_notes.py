"""Checks on the paper notes in ``paper_notes/``.

The English and Chinese notes must stay translations of each other: same heading structure, same
tables with the same numbers, same lesson links in the same order. The numbers of the paper's tables
must match the project's facts sheet when it is available, and the Markdown must render on GitHub
(no raw HTML, math only in ``$...$`` and ``$$`` blocks).
"""

import re
from collections import Counter
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
NOTES_DIR = REPO_ROOT / "paper_notes"
NOTES = {
    "en": NOTES_DIR / "elmo_paper_notes_en.md",
    "zh": NOTES_DIR / "elmo_paper_notes_zh.md",
}
FACTS_SHEET = REPO_ROOT.parent / "shared" / "paper" / "ELMO_FACTS.md"

NUMBER = re.compile(r"\d+(?:\.\d+)?")
HEADING = re.compile(r"^(#{1,6})\s+\S")
FENCE = re.compile(r"^\s*(```|~~~)")
INLINE_CODE = re.compile(r"`[^`\n]*`")
LESSON_LINK = re.compile(r"\]\((\.\./notebooks/[^)\s]*)\)")
LESSON_NAME = re.compile(r"^\.\./notebooks/\d\d_[a-z0-9_]+\.ipynb$")
# A caption line such as "**Table 1.** ..." or "**表 1.** ..." names the paper table below it.
CAPTION = re.compile(r"^\*\*(?:Table|表)\s*(\d+)\b")
FACTS_TABLE_HEADING = re.compile(r"^#{2,4}\s+Table\s+(\d+)\b")
HTML_TAG = re.compile(r"<!--|</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")


def read_lines(path):
    return path.read_text(encoding="utf-8").splitlines()


def prose_lines(lines):
    """Yield (line_number, line) for lines outside fenced code blocks."""
    in_fence = False
    for number, line in enumerate(lines, start=1):
        if FENCE.match(line):
            in_fence = not in_fence
            continue
        if not in_fence:
            yield number, line


def headings(lines):
    """Heading levels in document order (1 for '#', 2 for '##', ...)."""
    return [len(m.group(1)) for _, line in prose_lines(lines) if (m := HEADING.match(line))]


def is_table_row(line):
    return line.lstrip().startswith("|")


def is_separator_row(line):
    cells = split_cells(line)
    return bool(cells) and all(re.fullmatch(r":?-{3,}:?", cell) for cell in cells)


def split_cells(line):
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def tables(lines):
    """Tables outside code, each as a dict with its caption number (or None) and its rows.

    Rows are lists of cell strings; the header row is the first row, the separator row is dropped.
    """
    found = []
    previous_text = ""
    current = None
    for _, line in prose_lines(lines):
        if is_table_row(line):
            if current is None:
                caption = CAPTION.match(previous_text)
                current = {"caption": int(caption.group(1)) if caption else None, "rows": []}
                found.append(current)
            if not is_separator_row(line):
                current["rows"].append(split_cells(line))
            continue
        current = None
        if line.strip():
            previous_text = line.strip()
    return found


def row_numbers(cells):
    return NUMBER.findall(" ".join(cells))


def lesson_links(lines):
    links = []
    for _, line in prose_lines(lines):
        links.extend(LESSON_LINK.findall(line))
    return links


def h2_sections(lines):
    """(title, body lines) for each '##' section, body up to the next '#' or '##' heading."""
    sections = []
    for _, line in prose_lines(lines):
        match = HEADING.match(line)
        if match and len(match.group(1)) <= 2:
            sections.append((line, []) if len(match.group(1)) == 2 else (None, []))
            continue
        if sections:
            sections[-1][1].append(line)
    return [(title, body) for title, body in sections if title is not None]


@pytest.fixture(scope="module")
def notes():
    missing = [str(path) for path in NOTES.values() if not path.is_file()]
    assert not missing, f"paper notes missing: {missing}"
    return {language: read_lines(path) for language, path in NOTES.items()}


# 1. Same heading structure -----------------------------------------------------------------------


def test_same_heading_structure(notes):
    levels_en, levels_zh = headings(notes["en"]), headings(notes["zh"])
    assert levels_en, "no headings found in the English notes"
    assert Counter(levels_en) == Counter(levels_zh), (
        f"headings per level differ: en {sorted(Counter(levels_en).items())}, "
        f"zh {sorted(Counter(levels_zh).items())}"
    )
    assert levels_en == levels_zh, "the sequence of heading levels differs between en and zh"


def test_single_title(notes):
    for language, lines in notes.items():
        assert headings(lines).count(1) == 1, f"{language}: expected exactly one '#' title"


# 2. Same tables, same numbers, and the paper's numbers ---------------------------------------------


def test_same_tables_with_same_numbers(notes):
    tables_en, tables_zh = tables(notes["en"]), tables(notes["zh"])
    assert tables_en, "no tables found in the English notes"
    assert len(tables_en) == len(tables_zh), (
        f"number of tables differs: en {len(tables_en)}, zh {len(tables_zh)}"
    )
    for index, (table_en, table_zh) in enumerate(zip(tables_en, tables_zh), start=1):
        assert table_en["caption"] == table_zh["caption"], (
            f"table {index}: captions name different paper tables "
            f"(en {table_en['caption']}, zh {table_zh['caption']})"
        )
        rows_en, rows_zh = table_en["rows"], table_zh["rows"]
        assert len(rows_en) == len(rows_zh), (
            f"table {index}: {len(rows_en)} rows in en, {len(rows_zh)} in zh"
        )
        for row_index, (row_en, row_zh) in enumerate(zip(rows_en, rows_zh)):
            assert len(row_en) == len(row_zh), (
                f"table {index}, row {row_index}: {len(row_en)} cells in en, {len(row_zh)} in zh"
            )
            assert row_numbers(row_en) == row_numbers(row_zh), (
                f"table {index}, row {row_index}: numbers differ\n"
                f"  en {row_numbers(row_en)}: {row_en}\n  zh {row_numbers(row_zh)}: {row_zh}"
            )


def facts_tables():
    """Paper tables of the facts sheet, by table number: data rows (header dropped)."""
    lines = read_lines(FACTS_SHEET)
    result = {}
    wanted = None
    for line in lines:
        heading = FACTS_TABLE_HEADING.match(line)
        if heading:
            wanted = int(heading.group(1))
            continue
        if line.startswith("#"):
            wanted = None
            continue
        if wanted is None:
            continue
        if is_table_row(line):
            rows = result.setdefault(wanted, [])
            if not is_separator_row(line):
                rows.append(split_cells(line))
        elif wanted in result:
            wanted = None  # only the first table after the heading is the paper's table
    return {number: rows[1:] for number, rows in result.items()}


@pytest.fixture(scope="module")
def facts():
    if not FACTS_SHEET.is_file():
        pytest.skip(f"facts sheet not available at {FACTS_SHEET}")
    parsed = facts_tables()
    assert 1 in parsed and len(parsed[1]) == 6, "could not parse Table 1 of the facts sheet"
    return parsed


def test_table1_matches_facts_sheet(notes, facts):
    tasks = [row[0] for row in facts[1]]
    assert tasks == ["SQuAD", "SNLI", "SRL", "Coref", "NER", "SST-5"]
    for language, lines in notes.items():
        captioned = [table for table in tables(lines) if table["caption"] == 1]
        assert len(captioned) == 1, f"{language}: expected one table captioned as Table 1"
        notes_rows = {row[0]: row for row in captioned[0]["rows"][1:]}
        for facts_row in facts[1]:
            task = facts_row[0]
            assert task in notes_rows, f"{language}: Table 1 has no row for {task}"
            expected = Counter(row_numbers(facts_row[1:]))
            actual = Counter(row_numbers(notes_rows[task][1:]))
            missing = expected - actual
            assert not missing, (
                f"{language}: Table 1, {task}: numbers {sorted(missing.elements())} of the facts "
                f"sheet are missing from {notes_rows[task]}"
            )


def test_captioned_tables_match_facts_sheet(notes, facts):
    """Every table captioned 'Table N' has the facts sheet's Table N numbers, row by row."""
    checked = 0
    for language, lines in notes.items():
        for table in tables(lines):
            number = table["caption"]
            if number is None:
                continue
            assert number in facts, f"{language}: Table {number} is not in the facts sheet"
            facts_rows, notes_rows = facts[number], table["rows"][1:]
            assert len(notes_rows) == len(facts_rows), (
                f"{language}: Table {number} has {len(notes_rows)} rows, "
                f"the facts sheet {len(facts_rows)}"
            )
            for facts_row, notes_row in zip(facts_rows, notes_rows):
                missing = Counter(row_numbers(facts_row)) - Counter(row_numbers(notes_row))
                assert not missing, (
                    f"{language}: Table {number}: numbers {sorted(missing.elements())} of "
                    f"{facts_row} are missing from {notes_row}"
                )
            checked += 1
    assert checked >= 2, "expected captioned paper tables in both notes"


# 3. Lesson links ----------------------------------------------------------------------------------


def test_same_lesson_links_in_same_order(notes):
    links_en, links_zh = lesson_links(notes["en"]), lesson_links(notes["zh"])
    assert links_en, "no lesson links in the English notes"
    assert links_en == links_zh
    malformed = [link for link in links_en if not LESSON_NAME.match(link)]
    assert not malformed, f"lesson links not of the form ../notebooks/NN_name.ipynb: {malformed}"


def test_every_section_ends_with_a_lesson_link(notes):
    for language, lines in notes.items():
        sections = h2_sections(lines)
        assert sections, f"{language}: no '##' sections"
        for title, body in sections:
            text = [line for line in body if line.strip()]
            assert text and LESSON_LINK.search(text[-1]), (
                f"{language}: section {title!r} does not end with a lesson link"
            )


def test_lesson_links_resolve(notes):
    """Every lesson link points to an existing notebook in notebooks/ (needs the lessons)."""
    missing = []
    for language, lines in notes.items():
        for link in lesson_links(lines):
            target = (NOTES_DIR / link).resolve()
            if target.parent != (REPO_ROOT / "notebooks").resolve() or not target.is_file():
                if link not in missing:
                    missing.append(link)
    assert not missing, f"lesson links without a notebook in notebooks/: {missing}"


# 4. GitHub rendering ------------------------------------------------------------------------------


def test_no_raw_html(notes):
    for language, lines in notes.items():
        for number, line in prose_lines(lines):
            tag = HTML_TAG.search(INLINE_CODE.sub("", line))
            assert not tag, f"{language}, line {number}: raw HTML {tag.group(0)!r}"


def test_math_delimiters_balanced(notes):
    for language, lines in notes.items():
        in_display = False
        for number, line in prose_lines(lines):
            text = INLINE_CODE.sub("", line)
            if "$$" in text:
                assert text.strip() == "$$", (
                    f"{language}, line {number}: '$$' must stand alone on its line"
                )
                in_display = not in_display
                continue
            if in_display:
                assert text.strip(), f"{language}, line {number}: blank line inside a $$ block"
                continue
            dollars = len(re.findall(r"(?<!\\)\$", text))
            assert dollars % 2 == 0, f"{language}, line {number}: unbalanced inline '$'"
        assert not in_display, f"{language}: a '$$' block is not closed"

"""Seed YAML checked against the work plan document (seed/source), parsed here independently.

Every expectation comes from the document's table, never from the YAML, so a wrong edit to a
seed file fails with a message naming the activity or indicator and what differs.
"""

import html
import itertools
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

SEED = Path(__file__).resolve().parents[1] / "seed"
SOURCE = SEED / "source" / "ehp-protection-workplan-2020-2022.txt"
YEARS = ("2020", "2021", "2022")
TOTAL_INDICATORS = 54
LIPTAKO_GOURMA_PCODES = {"ML05", "ML06", "ML07", "ML08", "ML10"}
# Reference geography (OCHA COD-AB P-codes), as listed in the project's domain notes.
ADMIN1 = (
    "ML01 Kayes; ML02 Koulikoro; ML03 Sikasso; ML04 Ségou; ML05 Mopti; ML06 Tombouctou; "
    "ML07 Gao; ML08 Kidal; ML09 Bamako; ML10 Ménaka"
)
ADMIN2 = (
    "ML0101 Bafoulabé; ML0102 Diéma; ML0103 Kayes; ML0104 Kéniéba; ML0105 Kita; ML0106 Nioro; "
    "ML0107 Yélimané; ML0201 Banamba; ML0202 Dioïla; ML0203 Kangaba; ML0204 Kati; "
    "ML0205 Kolokani; ML0206 Koulikoro; ML0301 Bougouni; ML0302 Kadiolo; ML0303 Kolondiéba; "
    "ML0304 Koutiala; ML0305 Sikasso; ML0306 Yanfolila; ML0307 Yorosso; ML0401 Barouéli; "
    "ML0402 Bla; ML0403 Macina; ML0404 Niono; ML0405 San; ML0406 Ségou; ML0407 Tominian; "
    "ML0501 Bandiagara; ML0502 Bankass; ML0503 Djenné; ML0504 Douentza; ML0505 Koro; "
    "ML0506 Mopti; ML0507 Ténenkou; ML0508 Youwarou; ML0601 Diré; ML0602 Goundam; "
    "ML0603 Gourma-Rharous; ML0604 Niafunké; ML0605 Tombouctou; ML0701 Ansongo; "
    "ML0702 Bourem; ML0703 Gao; ML0801 Abeïbara; ML0802 Kidal; ML0803 Tessalit; "
    "ML0804 Tin-Essako; ML0901 Bamako; ML1001 Ménaka"
)

AXIS_RE = re.compile(r"^### AXE PRIORITAIRE (\d+)\s*:\s*(.+)$")
TOKEN_RE = re.compile(r"Q([1-4])(?:-Q([1-4]))?|-")
QUARTERS_CELL_RE = re.compile(r"Q[1-4][Q1-4 -]*")
SHARE_CONTEXT_RE = re.compile(r"(?:\(|\b(?:et|dont))\s*$")
STATEMENT_END_RE = re.compile(r"\(O/N\)|est (?:établi(?: ?/ ?actualisé)?|disponible)(?! ?\(O/N\))")
LIPTAKO_RE = re.compile(r"\bliptako\b", re.IGNORECASE)
KIND_OF_START = {"#": "count", "%": "percentage"}


def clean(cell: str) -> str:
    """Strip tags, decode entities and collapse whitespace."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", cell))).strip()


def schedule_tokens(cell: str) -> list[str]:
    """Tokens of a year cell ("Q3Q4" read as "Q3-Q4"); raises on anything else."""
    tokens = re.sub(r"Q([1-4])Q([1-4])", r"Q\1-Q\2", cell).split()
    if not all(TOKEN_RE.fullmatch(t) for t in tokens):
        raise ValueError(f"not a year cell: {cell!r}")
    return tokens


def is_share(text: str, position: int) -> bool:
    """Whether the "%" at position asks for a share ("(et %", "et %", "(dont %")."""
    return bool(SHARE_CONTEXT_RE.search(text[:position]))


@dataclass
class DocActivity:
    code: str
    title: str
    indicators: str
    lead: str | None
    others: str | None
    years: dict[str, list[str]]


@dataclass
class DocObjective:
    code: str
    title: str
    activities: list[DocActivity] = field(default_factory=list)


@dataclass
class DocAxis:
    code: str
    title: str
    objectives: list[DocObjective] = field(default_factory=list)


def _activity(code: str, cells: list[str]) -> DocActivity:
    others, years = cells[4], cells[5:8]
    if QUARTERS_CELL_RE.fullmatch(others):  # shifted row (3.2.1): 2020 spills into column 5
        others, years = "", [f"{cells[4]} {cells[5]}", cells[6], cells[7]]
    lead, others = (None if c in ("", "-") else c for c in (cells[3], others))
    tokens = {year: schedule_tokens(cell) for year, cell in zip(YEARS, years, strict=True)}
    return DocActivity(code, cells[1], cells[2], lead, others, tokens)


def _add_row(axis: DocAxis, raw: list[str], skipped: list[list[str]]) -> None:
    raw = raw + [""] * (8 - len(raw))
    cells = [clean(c) for c in raw]
    if cells[0] == "OBJECTIFS":
        return
    if (cells[0] and "<b>" not in raw[0]) or "<i>" not in raw[1]:
        skipped.append(cells)
        return
    if cells[0]:
        axis.objectives.append(DocObjective(f"{axis.code}.{len(axis.objectives) + 1}", cells[0]))
    objective = axis.objectives[-1]
    code = f"{objective.code}.{len(objective.activities) + 1}"
    objective.activities.append(_activity(code, cells))


def parse_document(text: str) -> tuple[list[DocAxis], list[list[str]]]:
    """Axes with their objectives and activities, and the table rows that are neither."""
    axes: list[DocAxis] = []
    skipped: list[list[str]] = []
    for line in text.splitlines():
        if match := AXIS_RE.match(line.strip()):
            axes.append(DocAxis(match[1], clean(match[2])))
        elif "\t" in line:
            _add_row(axes[-1], line.split("\t"), skipped)
    return axes, skipped


def statement_kinds(text: str) -> list[str]:
    """Kinds of the measurable statements in an indicator text, in order.

    A statement starts at "#" or at a "%" that is not a share ("(et %", "et %", "(dont %");
    a yes/no statement ends at "(O/N)" or at "est établi /actualisé" / "est disponible"
    without (O/N). Other text (before a start, after an end) is a yes/no statement too.
    """
    marks = re.finditer(r"[#%]", text)
    starts = {m.start(): KIND_OF_START[m[0]] for m in marks if not is_share(text, m.start())}
    ends = {m.end() for m in STATEMENT_END_RE.finditer(text)}
    cuts = sorted({0, len(text), *starts, *ends})
    kinds = []
    for begin, end in itertools.pairwise(cuts):
        if not text[begin:end].strip():
            continue
        if begin in starts:
            kinds.append(starts[begin])
        if end in ends or begin not in starts:
            kinds.append("boolean")
    return kinds


def shares(text: str) -> list[str]:
    """The shares asked for in an indicator text: "% sur Liptako Gourma", "% sur le terrain"."""
    found = [m.start() for m in re.finditer("%", text) if is_share(text, m.start())]
    return [re.split(r"[)#]", text[start:])[0] for start in found]


def quarters(token: str) -> tuple[int, ...]:
    """(3, 4) for "Q3-Q4"; tokens are validated before they get here."""
    match = TOKEN_RE.fullmatch(token)
    assert match, f"bad quarter token {token!r}"
    first = int(match[1])
    return tuple(range(first, int(match[2] or first) + 1))


def doc_activity_schedule(act: DocActivity) -> dict[str, tuple[int, ...]]:
    """Per year, the union of the quarters of the cell's tokens that are not "-"."""
    union = {y: {q for t in toks if t != "-" for q in quarters(t)} for y, toks in act.years.items()}
    return {year: tuple(sorted(qs)) for year, qs in union.items() if qs}


def doc_indicator_schedule(act: DocActivity, index: int) -> dict[str, tuple[int, ...]]:
    """A single token applies to every indicator; otherwise token i is indicator i's."""
    schedule = {}
    for year, tokens in act.years.items():
        if len(tokens) == 1:  # a merged cell: its one token is every indicator's
            tokens = tokens * (index + 1)
        token = tokens[index] if index < len(tokens) else "-"  # no token: nothing planned
        if token != "-":
            schedule[year] = quarters(token)
    return schedule


def yaml_schedule(schedule: dict[Any, str], where: str) -> dict[str, tuple[int, ...]]:
    assert isinstance(schedule, dict), f"{where}: schedule {schedule!r} is not a mapping"
    unknown = {str(y) for y in schedule} - set(YEARS)
    assert not unknown, f"{where}: schedule has years {unknown} outside {YEARS}"
    bad = [v for v in schedule.values() if not re.fullmatch(r"Q[1-4](-Q[1-4])?", str(v))]
    assert not bad, f"{where}: schedule values {bad} are not written 'Qn' or 'Qn-Qm'"
    return {str(year): quarters(value) for year, value in schedule.items()}


DOC_AXES, SKIPPED_ROWS = parse_document(SOURCE.read_text(encoding="utf-8"))

EVERY_QUARTER = dict.fromkeys(YEARS, (1, 2, 3, 4))
NEXUS_ACTIVITY = {"2020": (3, 4), "2021": (1, 2)}
MONITORED = (
    EVERY_QUARTER,
    "computed from the service's records, which keep coming whatever the cells say: "
    "monitored in every quarter of the plan",
)
AS_ITS_ACTIVITY = (
    NEXUS_ACTIVITY,
    'read literally ("-" or no token) never planned: a step of the nexus agenda is planned as '
    "its activity",
)
# Where the seed departs on purpose from a literal reading of the document's year cells, and
# why. Each correction is also explained in its activity's schedule_note (checked below).
SCHEDULE_CORRECTIONS: dict[str, tuple[dict[str, tuple[int, ...]], str]] = {
    **dict.fromkeys(("1.2.1.3", "1.3.2.1", "1.3.2.3", "3.2.1.5"), MONITORED),
    **dict.fromkeys(("2.2.1.2", "2.2.1.3", "2.2.1.4", "2.2.1.5"), AS_ITS_ACTIVITY),
    "2.2.3.2": (
        {"2020": (4,), "2021": (1, 2), "2022": (1, 2, 3, 4)},
        "participants are counted when the sessions they attend (2.2.3.1) are held",
    ),
}
NOTE_OF_CORRECTION = ("monitored in every quarter", "Corrected")
DOC_ACTIVITIES = {a.code: a for x in DOC_AXES for o in x.objectives for a in o.activities}


@cache
def load(name: str) -> Any:
    return yaml.safe_load((SEED / name).read_text(encoding="utf-8"))


def organisations() -> dict[str, dict]:
    return {org["code"]: org for org in load("organisations.yaml")}


def organisations_named_in(cell: str | None) -> set[str]:
    """Codes of the organisations whose aliases occur in a cell, longest alias first."""
    aliases = [(a, code) for code, org in organisations().items() for a in org["aliases"]]
    found, rest = set(), cell or ""
    for alias, code in sorted(aliases, key=lambda item: -len(item[0])):
        pattern = rf"(?<!\w){re.escape(alias)}(?!\w)"
        if re.search(pattern, rest):
            found.add(code)
            rest = re.sub(pattern, " ", rest)
    return found


def doc_nodes(level: str) -> list[Any]:
    objectives = [o for axis in DOC_AXES for o in axis.objectives]
    nodes = {"axis": DOC_AXES, "objective": objectives, "activity": [*DOC_ACTIVITIES.values()]}
    return nodes[level]


def yaml_nodes(level: str) -> list[dict]:
    axes = load("workplan.yaml")["axes"]
    objectives = [o for axis in axes for o in axis["objectives"]]
    activities = [a for objective in objectives for a in objective["activities"]]
    return {"axis": axes, "objective": objectives, "activity": activities}[level]


def mismatches(what: str, got: dict, expected: dict) -> str:
    """Readable differences, key by key, between YAML values and document values."""
    keys = [*expected, *(k for k in got if k not in expected)]
    return "\n".join(
        f"{what} {k}: YAML {got.get(k, '<absent>')!r}, expected {expected.get(k, '<absent>')!r}"
        for k in keys
        if got.get(k, "<absent>") != expected.get(k, "<absent>")
    )


@pytest.fixture(params=list(DOC_ACTIVITIES), ids=list(DOC_ACTIVITIES))
def pair(request: pytest.FixtureRequest) -> tuple[DocActivity, dict]:
    """The document's activity and the YAML activity bearing the same code."""
    by_code = {a["code"]: a for a in yaml_nodes("activity")}
    assert request.param in by_code, f"YAML lacks activity {request.param}"
    return DOC_ACTIVITIES[request.param], by_code[request.param]


class TestDocumentParsing:
    @pytest.mark.parametrize(
        ("text", "kinds"),
        [
            ("# de a (et % sur Liptako Gourma) # de b", ["count", "count"]),
            ("# de saisines EHP et % Liptako Gourma", ["count"]),
            ("# de séances (dont % sur le terrain)", ["count"]),
            ("# de cas référés (et % avec réponse/ajustement)", ["count"]),
            ("X adoptés (O/N) Des SOPs sont validées # de saisines", ["boolean"] * 2 + ["count"]),
            ("Un mapping est établi /actualisé Un mapping est disponible", ["boolean"] * 2),
            ("Un guide est disponible (O/N) # de projets", ["boolean", "count"]),
            ("SoPs (O/N) % de cas Le besoin est revu (O/N)", ["boolean", "percentage", "boolean"]),
        ],
    )  # fmt: skip
    def test_statement_rule(self, text: str, kinds: list[str]) -> None:
        assert statement_kinds(text) == kinds

    def test_document_shape(self) -> None:
        assert [a.code for a in DOC_AXES] == ["1", "2", "3"]
        assert [len(a.objectives) for a in DOC_AXES] == [3, 2, 2]
        assert len(DOC_ACTIVITIES) == 25
        total = sum(len(statement_kinds(a.indicators)) for a in DOC_ACTIVITIES.values())
        assert total == TOTAL_INDICATORS

    def test_rows_that_are_not_activities_are_blank(self) -> None:
        assert len(SKIPPED_ROWS) == 2, f"unexpected non-activity rows: {SKIPPED_ROWS}"
        for cells in SKIPPED_ROWS:
            assert set(cells) <= {"", "-"}, f"row with content but no activity: {cells}"


class TestStructure:
    @pytest.mark.parametrize("level", ["axis", "objective", "activity"])
    def test_titles_and_codes_in_document_order(self, level: str) -> None:
        expected = {n.code: n.title for n in doc_nodes(level)}
        items = yaml_nodes(level)
        got = {n["code"]: n["title_fr"] for n in items}
        assert got == expected, mismatches(level, got, expected)
        assert [n["code"] for n in items] == list(expected), f"{level} codes out of order"

    def test_nexus_exactly_for_objectives_marked_nexus(self) -> None:
        expected = {o.code: o.title.endswith("(Nexus)") for o in doc_nodes("objective")}
        got = {o["code"]: o["nexus"] for o in yaml_nodes("objective")}
        assert got == expected, mismatches("objective nexus", got, expected)


class TestIndicators:
    def test_codes_consecutive(self, pair: tuple[DocActivity, dict]) -> None:
        doc, act = pair
        codes = [i["code"] for i in act["indicators"]]
        assert codes == [f"{doc.code}.{n}" for n in range(1, len(codes) + 1)]

    def test_count_matches_document(self, pair: tuple[DocActivity, dict]) -> None:
        doc, act = pair
        kinds = statement_kinds(doc.indicators)
        assert len(act["indicators"]) == len(kinds), (
            f"{doc.code}: the document's indicator cell has {len(kinds)} statements {kinds}, "
            f"the YAML has {len(act['indicators'])} indicators"
        )

    def test_texts_rebuild_document_cell(self, pair: tuple[DocActivity, dict]) -> None:
        doc, act = pair
        joined = " ".join(i["text_fr"] for i in act["indicators"])
        assert joined == doc.indicators, f"{doc.code}: text_fr joined differ from the cell"

    def test_measures_match_document(self, pair: tuple[DocActivity, dict]) -> None:
        doc, act = pair
        measures = [i["measure"] for i in act["indicators"]]
        kinds = statement_kinds(doc.indicators)
        assert measures == kinds, f"{doc.code}: YAML measures {measures}, document {kinds}"

    def test_each_indicator_is_one_statement_of_its_measure(self, pair: tuple) -> None:
        problems = [
            f"{i['code']}: {i['text_fr']!r} reads as {statement_kinds(i['text_fr'])}, "
            f"YAML measure {i['measure']!r}"
            for i in pair[1]["indicators"]
            if statement_kinds(i["text_fr"]) != [i["measure"]]
        ]
        assert not problems, "\n".join(problems)

    def test_percentage_labels(self, pair: tuple[DocActivity, dict]) -> None:
        for ind in pair[1]["indicators"]:
            labels = [ind["numerator"], ind["denominator"]]
            if ind["measure"] == "percentage":
                assert all(isinstance(s, str) and s.strip() for s in labels), ind["code"]
            else:
                assert labels == [None, None], f"{ind['code']}: labels on a non-percentage"

    def test_total(self) -> None:
        got = sum(len(a["indicators"]) for a in yaml_nodes("activity"))
        assert got == TOTAL_INDICATORS, f"{got} indicators in the YAML"

    def test_liptako_gourma_flag(self, pair: tuple[DocActivity, dict]) -> None:
        problems = [
            f"{i['code']}: liptako_gourma is {i['liptako_gourma']} for {i['text_fr']!r}"
            for i in pair[1]["indicators"]
            if i["liptako_gourma"] is not bool(LIPTAKO_RE.search(i["text_fr"]))
        ]
        assert not problems, "\n".join(problems)

    def test_disaggregations(self, pair: tuple[DocActivity, dict]) -> None:
        known = {d["code"] for d in load("disaggregations.yaml")}
        for ind in pair[1]["indicators"]:
            text, codes = ind["text_fr"], set(ind["disaggregations"])
            assert codes <= known, f"{ind['code']}: unknown disaggregations {codes - known}"
            zone = any(LIPTAKO_RE.search(share) for share in shares(text))
            assert ("zone" in codes) is zone, f"{ind['code']}: zone vs Liptako share {text!r}"
            setting = "% sur le terrain" in shares(text)
            assert ("setting" in codes) is setting, f"{ind['code']}: setting vs {text!r}"


class TestActors:
    def test_cell_texts(self, pair: tuple[DocActivity, dict]) -> None:
        doc, act = pair
        got, expected = (act["leads_text"], act["other_actors_text"]), (doc.lead, doc.others)
        assert got == expected, (
            f"{doc.code}: YAML (leads, other actors) texts {got}, cells {expected}"
        )

    @pytest.mark.parametrize(("key", "cell"), [("leads", "lead"), ("other_actors", "others")])
    def test_as_written_in_cell_and_aliases(self, pair: tuple, key: str, cell: str) -> None:
        doc, act = pair
        orgs, text = organisations(), getattr(doc, cell) or ""
        for ref in act[key]:
            who = f"{doc.code} {key} {ref['organisation']}"
            assert ref["organisation"] in orgs, f"{who}: not in organisations.yaml"
            assert ref["as_written"] in text, f"{who}: {ref['as_written']!r} not in {text!r}"
            aliases = orgs[ref["organisation"]]["aliases"]
            assert ref["as_written"] in aliases, f"{who}: {ref['as_written']!r} not an alias"

    @pytest.mark.parametrize(("key", "cell"), [("leads", "lead"), ("other_actors", "others")])
    def test_every_named_organisation_referenced(self, pair: tuple, key: str, cell: str) -> None:
        doc, act = pair
        named, text = organisations_named_in(getattr(doc, cell)), getattr(doc, cell)
        got = {r["organisation"] for r in act[key]}
        assert got == named, f"{doc.code} {key}: YAML {sorted(got)}, {text!r} names {sorted(named)}"

    def test_all_ehp_members(self, pair: tuple[DocActivity, dict]) -> None:
        doc, act = pair
        expected = "Tout EHP" in (doc.lead or "")
        assert act["all_ehp_members"] is expected, f"{doc.code}: lead cell {doc.lead!r}"

    def test_ehp_members_are_named_in_a_lead_cell(self) -> None:
        """UNDP appears only among the other actors ("Chef de file Développement"): not a member."""
        leads = set().union(*(organisations_named_in(a.lead) for a in DOC_ACTIVITIES.values()))
        members = {code for code, org in organisations().items() if org["ehp_member"]}
        assert members <= leads, f"members never named as a lead: {sorted(members - leads)}"
        assert "UNDP" not in members

    def test_shifted_row_3_2_1(self) -> None:
        doc = DOC_ACTIVITIES["3.2.1"]
        assert (doc.lead, doc.others) == ("Tout EHP & OCHA (Coordination)", None)
        act = next(a for a in yaml_nodes("activity") if a["code"] == "3.2.1")
        assert act["other_actors"] == [], "3.2.1: the Q3 in the other-actors column is a quarter"


class TestSchedules:
    def test_activity_schedule(self, pair: tuple[DocActivity, dict]) -> None:
        doc, act = pair
        expected = doc_activity_schedule(doc)
        got = yaml_schedule(act["schedule"], doc.code)
        assert got == expected, f"{doc.code}: YAML {got}, document year cells {doc.years}"

    def test_indicator_schedules(self, pair: tuple[DocActivity, dict]) -> None:
        doc, act = pair
        problems = []
        for index, ind in enumerate(act["indicators"]):
            own = ind["schedule"]
            got = yaml_schedule(act["schedule"] if own is None else own, ind["code"])
            expected = doc_indicator_schedule(doc, index)
            if ind["code"] in SCHEDULE_CORRECTIONS:
                expected = SCHEDULE_CORRECTIONS[ind["code"]][0]
            if got != expected:
                problems.append(f"{ind['code']}: YAML {got} (own: {own}), document {expected}")
        assert not problems, f"document year cells {doc.years}\n" + "\n".join(problems)

    def test_each_correction_departs_from_the_document_and_says_why(self) -> None:
        activities = {a["code"]: a for a in yaml_nodes("activity")}
        for code, (corrected, _reason) in SCHEDULE_CORRECTIONS.items():
            activity_code, index = code.rsplit(".", 1)
            literal = doc_indicator_schedule(DOC_ACTIVITIES[activity_code], int(index) - 1)
            assert literal != corrected, f"{code}: no longer a correction, drop it"
            note = activities[activity_code]["schedule_note"] or ""
            assert any(word in note for word in NOTE_OF_CORRECTION), f"{code}: {note!r}"

    def test_3_2_1_quarters_in_2020(self) -> None:
        doc = DOC_ACTIVITIES["3.2.1"]
        assert doc.years["2020"] == ["Q3", "Q3", "Q3", "Q4", "Q4"]
        act = next(a for a in yaml_nodes("activity") if a["code"] == "3.2.1")
        # 3.2.1.5 (cases referred) is computed: monitored in every quarter (a correction).
        got = [(i["schedule"] or {}).get("2020") for i in act["indicators"][:4]]
        assert got == ["Q3", "Q3", "Q3", "Q4"], f"3.2.1 indicators' 2020 quarters: {got}"


class TestGeography:
    @pytest.mark.parametrize(("level", "listing"), [(1, ADMIN1), (2, ADMIN2)], ids=["adm1", "adm2"])
    def test_pcodes_and_names(self, level: int, listing: str) -> None:
        expected = dict(entry.split(" ", 1) for entry in listing.split("; "))
        got = {loc["pcode"]: loc["name"] for loc in load("locations.yaml") if loc["level"] == level}
        assert got == expected, mismatches(f"admin {level} P-code", got, expected)

    def test_unique_and_parents(self) -> None:
        pcodes = [loc["pcode"] for loc in load("locations.yaml")]
        assert len(pcodes) == len(set(pcodes)), f"duplicate P-codes in {pcodes}"
        got = {loc["pcode"]: loc["parent"] for loc in load("locations.yaml")}
        expected = {p: (p[:4] if len(p) == 6 else None) for p in pcodes}
        assert got == expected, mismatches("parent of", got, expected)
        assert got["ML0701"] == "ML07"

    def test_liptako_gourma_focus_area(self) -> None:
        area = next(a for a in load("focus_areas.yaml") if a["code"] == "liptako_gourma")
        assert area["versions"], "liptako_gourma has no version"
        for version in area["versions"]:
            got = set(version["pcodes"])
            expected = sorted(LIPTAKO_GOURMA_PCODES)
            assert got == set(expected), f"{version['valid_from']}: {sorted(got)}, not {expected}"


class TestAggregation:
    """How organisations combine (docs/indicators.md): each indicator's kind, reporter and
    boolean kind, checked against the document's wording and leads."""

    def test_every_indicator_is_classified_with_a_reason(self, pair: tuple) -> None:
        for ind in pair[1]["indicators"]:
            assert ind["aggregation"] in ("sum", "collective"), ind["code"]
            assert len(ind["aggregation_note"].strip()) > 20, ind["code"]

    def test_the_reporter_of_record_is_a_lead_or_the_secretariat(self, pair: tuple) -> None:
        doc, act = pair
        leads = organisations_named_in(doc.lead) | {"OCHA"}
        for ind in act["indicators"]:
            reporter = ind["reporter"]
            if ind["aggregation"] == "sum":
                assert reporter is None, f"{ind['code']}: a sum has no reporter of record"
            else:
                assert reporter in leads, f"{ind['code']}: {reporter} is not a lead of {doc.lead!r}"

    def test_computed_indicators_add_their_records(self, pair: tuple) -> None:
        for ind in pair[1]["indicators"]:
            if ind.get("computed_from"):
                assert (ind["aggregation"], ind["reporter"]) == ("sum", None), ind["code"]

    def test_yes_no_indicators_are_one_fact_of_a_kind_the_wording_gives(self, pair: tuple) -> None:
        for ind in pair[1]["indicators"]:
            text, kind = ind["text_fr"], ind.get("boolean_kind")
            if ind["measure"] != "boolean":
                assert kind is None, ind["code"]
                continue
            assert ind["aggregation"] == "collective", ind["code"]
            expected = (
                "annual" if "annuel" in text else "updated" if "actualisé" in text else "milestone"
            )
            assert kind == expected, f"{ind['code']}: {kind} for {text!r}"

    def test_counts(self) -> None:
        indicators = [i for a in yaml_nodes("activity") for i in a["indicators"]]
        kinds = [i["aggregation"] for i in indicators]
        assert (kinds.count("sum"), kinds.count("collective")) == (22, 32)
        booleans = [i["boolean_kind"] for i in indicators if i["measure"] == "boolean"]
        assert sorted(set(booleans)) == ["annual", "milestone", "updated"]
        assert (booleans.count("annual"), booleans.count("updated")) == (3, 1)

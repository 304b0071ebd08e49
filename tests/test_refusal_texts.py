"""Every refusal a user reads goes through the catalog: a French request to each kind of error
gets a French problem (issue 17).

Two halves. A scan of the source finds English written straight into a problem, so that the
next refusal added as a plain string fails here rather than reaching a French reader in
English; then French requests to refusals that once were plain English check the words and
that the codes stayed the same."""

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

import ehp_api

SRC = Path(ehp_api.__file__).parent
FR = {"Accept-Language": "fr"}

# What a user reads, by the callee and the argument (position or keyword) that carries it.
SINKS: dict[str, set[int | str]] = {
    "InvalidParam": {"reason"},
    "problem_response": {2, "detail"},
    "PydanticCustomError": {1, "message_template"},
    "ConflictItem": {"message"},
    # Kept English, marked `N_`, translated when shown: a plain string here is never translated.
    "ShownOnce": {1, "advice"},
    "Refusal": {1, "message"},
    # `tr(message)`: a helper passing its parameter here takes a marked message from its callers.
    "tr": {0},
}
# The roots of the problem classes (first argument: the detail) and of FastAPI's own.
APP_ERROR, HTTP_EXCEPTION = "AppError", "HTTPException"
# A pydantic validator's ValueError is a field's reason in a 422.
VALIDATOR_DECORATORS = {"field_validator", "model_validator"}
VALIDATOR_WRAPPERS = {"AfterValidator", "BeforeValidator", "PlainValidator", "WrapValidator"}
# Plain English that must stay so, each with why.
ALLOWED: dict[tuple[str, str], str] = {
    ("core/config.py", "ValueError"): "settings are read at process start, before any request "
    "or language: the operator reads them in English in the log",
}


@dataclass
class Module:
    path: str
    tree: ast.Module
    parents: dict[ast.AST, ast.AST] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for node in ast.walk(self.tree):
            for child in ast.iter_child_nodes(node):
                self.parents[child] = node

    def function_of(self, node: ast.AST) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                return node
        return None


def _module(path: Path) -> Module:
    return Module(str(path.relative_to(SRC)), ast.parse(path.read_text(encoding="utf-8")))


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    return node.attr if isinstance(node, ast.Attribute) else None


def _class_sinks(modules: list[Module]) -> dict[str, set[int | str]]:
    """The problem classes, found by their bases; a class with its own `__init__` carries its
    text in the parameter named `detail`."""
    bases: dict[str, list[str]] = {}
    inits: dict[str, list[str]] = {}
    for module in modules:
        for node in ast.walk(module.tree):
            if isinstance(node, ast.ClassDef):
                bases[node.name] = [n for n in map(_name, node.bases) if n]
                for item in node.body:
                    if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                        inits[node.name] = [a.arg for a in item.args.args[1:]]

    def root(name: str, seen: frozenset[str] = frozenset()) -> str | None:
        if name in (APP_ERROR, HTTP_EXCEPTION):
            return name
        found = (root(b, seen | {name}) for b in bases.get(name, []) if b not in seen)
        return next((r for r in found if r), None)

    sinks: dict[str, set[int | str]] = {APP_ERROR: {0, "detail"}, HTTP_EXCEPTION: {1, "detail"}}
    for name in bases:
        kind = root(name)
        if kind is None or name in sinks:
            continue
        if name in inits:
            params = inits[name]
            sinks[name] = {"detail", params.index("detail")} if "detail" in params else set()
        else:
            sinks[name] = set(sinks[kind])
    return sinks


def _carried(call: ast.Call, positions: set[int | str]) -> Iterator[ast.expr]:
    for i, argument in enumerate(call.args):
        if i in positions:
            yield argument
    for keyword in call.keywords:
        if keyword.arg in positions:
            yield keyword.value


def _calls(modules: list[Module]) -> Iterator[tuple[Module, ast.Call]]:
    for module in modules:
        for node in ast.walk(module.tree):
            if isinstance(node, ast.Call):
                yield module, node


def _helpers(modules: list[Module], sinks: dict[str, set[int | str]]) -> None:
    """A function that hands one of its parameters, as it is, to a sink is a sink for that
    parameter (`_refusal(field, reason, code)`), and so on up, until nothing changes."""
    changed = True
    while changed:
        changed = False
        for module, call in _calls(modules):
            function = module.function_of(call)
            positions = sinks.get(_name(call.func) or "")
            if function is None or not positions:
                continue
            params = [a.arg for a in function.args.posonlyargs + function.args.args]
            params = params[1:] if params[:1] in (["self"], ["cls"]) else params
            params += [a.arg for a in function.args.kwonlyargs]
            owner = module.parents.get(function)
            name = owner.name if isinstance(owner, ast.ClassDef) else function.name
            name = function.name if function.name != "__init__" else name
            for argument in _carried(call, positions):
                if isinstance(argument, ast.Name) and argument.id in params:
                    new: set[int | str] = {argument.id, params.index(argument.id)}
                    if not new <= sinks.setdefault(name, set()):
                        sinks[name] |= new
                        changed = True


def _letters(text: object) -> bool:
    return isinstance(text, str) and any(c.isalpha() for c in text)


def _assigned(module: Module, node: ast.AST, name: str) -> Iterator[ast.expr]:
    """What `name` is set to in the function around `node`, and at the module's top level."""
    function = module.function_of(node)
    scopes = [*([function] if function else []), module.tree]
    for scope in scopes:
        nodes = ast.walk(scope) if scope is function else ast.iter_child_nodes(scope)
        for found in nodes:
            targets: list[ast.expr]
            value: ast.expr | None
            if isinstance(found, ast.Assign):
                targets, value = found.targets, found.value
            elif isinstance(found, ast.AnnAssign):
                targets, value = [found.target], found.value
            else:
                continue
            if value is not None and any(isinstance(t, ast.Name) and t.id == name for t in targets):
                yield value


def english(module: Module, node: ast.expr | None, depth: int = 0) -> bool:
    """Whether `node` is text written in the code and not through `tr`/`N_`: a string with
    letters, an f-string with words, their sums and joins, or a name set to one. A string
    without letters (`f"{location}.{field}"`) reads the same in every language."""
    if node is None or depth > 5:
        return False
    again = lambda n: english(module, n, depth + 1)  # noqa: E731
    match node:
        case ast.Constant(value=value):
            return _letters(value)
        case ast.JoinedStr(values=values):
            return any(isinstance(v, ast.Constant) and _letters(v.value) for v in values)
        case ast.BinOp(left=left, right=right):
            return again(left) or again(right)
        case ast.IfExp(body=body, orelse=orelse):
            return again(body) or again(orelse)
        case ast.BoolOp(values=values) | ast.List(elts=values) | ast.Tuple(elts=values):
            return any(map(again, values))
        case ast.Starred(value=value):
            return again(value)
        case ast.GeneratorExp(elt=elt) | ast.ListComp(elt=elt):
            return again(elt)
        case ast.Call(func=ast.Attribute(value=ast.Constant(), attr="format") as func):
            return again(func.value)
        case ast.Call(func=ast.Attribute(attr="join"), args=[joined]):
            return again(joined)
        case ast.Name(id=name):
            return any(map(again, _assigned(module, node, name)))
        case ast.Subscript(value=ast.Name(id=name), slice=ast.Constant(value=int(i))):
            tuples = [t for t in _assigned(module, node, name) if isinstance(t, ast.Tuple)]
            return any(again(t.elts[i]) for t in tuples if i < len(t.elts))
    return False


def _prose(module: Module, node: ast.expr) -> bool:
    """English words put into a translated message (`tr("... {who}", who="recorded it")`):
    a phrase, not a code: only text with a space is taken for one."""
    names = [n for n in ast.walk(node) if isinstance(n, ast.Name)]
    values = [node, *(v for n in names for v in _assigned(module, n, n.id))]
    texts = [c.value for v in values for c in ast.walk(v) if isinstance(c, ast.Constant)]
    return english(module, node) and any(
        isinstance(t, str) and _letters(t) and " " in t for t in texts
    )


def _validators(modules: list[Module]) -> set[str]:
    """Functions whose ValueError becomes a field's reason: decorated pydantic validators, and
    functions handed to `AfterValidator` and its kin."""
    found = set()
    for module in modules:
        for node in ast.walk(module.tree):
            if isinstance(node, ast.FunctionDef) and any(
                _name(d.func if isinstance(d, ast.Call) else d) in VALIDATOR_DECORATORS
                for d in node.decorator_list
            ):
                found.add(node.name)
            if isinstance(node, ast.Call) and _name(node.func) in VALIDATOR_WRAPPERS:
                found |= {a.id for a in node.args if isinstance(a, ast.Name)}
    return found


def untranslated(modules: list[Module]) -> list[str]:
    """`path:line: callee: the English`, for every text a user reads that skips the catalog."""
    sinks = {**SINKS, **_class_sinks(modules)}
    _helpers(modules, sinks)
    validators = _validators(modules)
    found = []
    for module, call in _calls(modules):
        callee = _name(call.func) or ""
        positions = set(sinks.get(callee, set()))
        function = module.function_of(call)
        if callee == "ValueError" and function is not None and function.name in validators:
            positions.add(0)
        if (module.path, callee) in ALLOWED:
            continue
        if callee == "tr":  # its first argument is the marked message; its fields are filled in
            found += [
                f"{module.path}:{call.lineno}: tr: {k.arg}={ast.unparse(k.value)}"
                for k in call.keywords
                if _prose(module, k.value)
            ]
            continue
        for argument in _carried(call, positions):
            if english(module, argument):
                found.append(f"{module.path}:{call.lineno}: {callee}: {ast.unparse(argument)}")
    return found


ERRORS = _module(SRC / "core" / "errors.py")


def _sample(source: str) -> Module:
    """`source` as the body of a function, in a module of its own."""
    body = "\n".join("    " + line for line in source.splitlines())
    return Module("sample.py", ast.parse("def f(keys, n):\n" + body))


class TestTheScan:
    def test_no_refusal_skips_the_catalog(self) -> None:
        """A problem's detail, a field's reason, a validator's message: `tr("...", name=...)`
        (named fields, never an f-string inside), or `N_` where the text is translated when
        shown. An exception to this belongs in ALLOWED, with its reason."""
        assert untranslated([_module(p) for p in sorted(SRC.rglob("*.py"))]) == []

    @pytest.mark.parametrize(
        ("source", "found"),
        [
            ('raise NotFound(f"no alert {n}")', "NotFound"),
            (
                'InvalidParam(location="body", field="x", reason="unknown", code="c")',
                "InvalidParam",
            ),
            (
                "def _refusal(field, reason):\n    return InvalidInput(reason)\n"
                '_refusal("x", "must be a number")',
                "_refusal",
            ),
            (
                'problems = [f"{k} is missing" for k in keys]\n'
                'InvalidParam(location="body", field="x", reason="; ".join(problems), code="c")',
                "InvalidParam",
            ),
            (
                'class Teapot(Conflict):\n    pass\nraise Teapot("I am a teapot")',
                "Teapot",
            ),
            (
                'def check(v):\n    raise ValueError("too big")\nAfterValidator(check)',
                "ValueError",
            ),
            (
                'who = "recorded it" if n else "it is referred to"\n'
                'raise Forbidden(tr("Only the organisation {who}.", who=who))',
                "tr",
            ),
            ('def _say(reason):\n    return tr(reason)\n_say("not marked")', "_say"),
            ('ShownOnce("secret", "Use that key if it reached you.")', "ShownOnce"),
        ],
    )
    def test_it_sees_english_in_each_place(self, source: str, found: str) -> None:
        """The scan itself: each way English once reached a problem is found."""
        [hit] = untranslated([ERRORS, _sample(source)])
        assert hit.startswith("sample.py:")
        assert f": {found}: " in hit

    @pytest.mark.parametrize(
        "source",
        [
            'raise NotFound(tr("No alert {n}.", n=n))',
            'InvalidParam(location="body", field="x", reason=tr("unknown"), code="c")',
            'raise InvalidInput(f"{n}.{keys} {n}.")',  # no words: the same in every language
            'def _say(reason):\n    return tr(reason)\n_say(N_("marked"))',
            'raise Forbidden(tr("Only {who}.", who=tr("the organisation that recorded it")))',
            'raise Conflict(tr("{field}: {reason}", field="secret", reason=n))',  # a code
        ],
    )
    def test_it_lets_marked_text_through(self, source: str) -> None:
        assert untranslated([ERRORS, _sample(source)]) == []


def _refusal(response: Response, status: int) -> tuple[str, dict[str, Any]]:
    assert response.status_code == status, response.text
    assert response.headers["Content-Language"] == "fr"
    body = response.json()
    [error] = body["errors"]
    return body["detail"], error


TARGETS = "/api/v1/indicators/{}/targets"


class TestFrenchRefusals:
    @pytest.mark.parametrize(
        ("code", "target", "reason", "refusal"),
        [
            ("3.1.1.1", {"year": 2021, "value": 2.5}, "un nombre est un entier", "count_required"),
            (
                "1.1.3.1",
                {"year": 2021, "value": 120},
                "un pourcentage est compris entre 0 et 100",
                "percentage_out_of_range",
            ),
            ("3.1.1.1", {"year": 2021, "value": -1}, "doit être un nombre >= 0", "amount_required"),
            (
                "1.1.1.2",
                {"year": 2021, "zone": "liptako_gourma", "value": 1},
                "l'indicateur 1.1.1.2 n'a pas de ventilation par zone",
                "unknown_category",
            ),
            (
                "3.1.1.1",
                {"year": 2019, "value": 1},
                "2019 n'est pas une année du plan",
                "unknown_period",
            ),
        ],
    )
    def test_a_target_refused(
        self, ocha: TestClient, code: str, target: dict, reason: str, refusal: str
    ) -> None:
        response = ocha.put(TARGETS.format(code), json={"targets": [target]}, headers=FR)
        detail, error = _refusal(response, 422)
        assert (error["reason"], error["code"]) == (reason, refusal)
        assert detail == f"{error['field']} : {reason}"

    def test_a_yes_no_baseline(self, ocha: TestClient) -> None:
        body = {"baselines": [{"value": 3}]}
        response = ocha.put(TARGETS.format("2.1.1.1"), json=body, headers=FR)
        _, error = _refusal(response, 422)
        assert error["reason"] == "une valeur de référence oui/non est `true` ou `false`"
        assert (error["field"], error["code"]) == ("baselines[0].value", "boolean_required")

    def test_the_same_refusal_in_english(self, ocha: TestClient) -> None:
        body = {"targets": [{"year": 2021, "value": 2.5}]}
        response = ocha.put(TARGETS.format("3.1.1.1"), json=body)
        assert response.headers["Content-Language"] == "en"
        [error] = response.json()["errors"]
        assert (error["reason"], error["code"]) == ("a count is a whole number", "count_required")

    def test_an_incomplete_deadline_table(self, ocha: TestClient) -> None:
        table = [{"category": "sea_allegation", "sensitive": False, "refer_within_hours": 24}]
        response = ocha.put("/api/v1/complaint-deadlines", json={"deadlines": table}, headers=FR)
        detail, error = _refusal(response, 422)
        assert detail.startswith("La table des délais demande chaque catégorie et sensibilité")
        assert (error["field"], error["code"]) == ("deadlines", "deadline_table")
        problems = error["reason"].split("; ")
        assert "exclusion manque" in problems
        assert "exclusion:sensitive manque" in problems
        assert "sea_allegation ne peut pas exister" in problems

    def test_a_deadline_given_twice(self, ocha: TestClient) -> None:
        rows = ocha.get("/api/v1/complaint-deadlines").json()["deadlines"]
        table = [{k: r[k] for k in ("category", "sensitive", "refer_within_hours")} for r in rows]
        response = ocha.put(
            "/api/v1/complaint-deadlines", json={"deadlines": [*table, table[0]]}, headers=FR
        )
        _, error = _refusal(response, 422)
        assert error["reason"] == f"{table[0]['category']} figure deux fois"

    def test_a_stale_if_match_names_the_record(self, ocha: TestClient) -> None:
        headers = {**FR, "If-Match": '"not-this-version"'}
        response = ocha.put(TARGETS.format("3.1.1.1"), json={"targets": []}, headers=headers)
        detail, error = _refusal(response, 412)
        reason = (
            "l'enregistrement (cibles de l'indicateur) a changé depuis votre lecture ; "
            "relisez-le (son ETag) et réessayez"
        )
        assert (error["reason"], error["code"]) == (reason, "stale")
        assert detail == f"If-Match : {reason}."

    def test_a_series_of_periods(self, client: TestClient) -> None:
        query = {"from": "2021Q3", "to": "2021Q1"}
        response = client.get("/api/v1/indicators/3.1.1.1/values", params=query, headers=FR)
        _, error = _refusal(response, 422)
        assert (error["reason"], error["code"]) == (
            "ne doit pas précéder `from`",
            "reversed_periods",
        )

    def test_a_complaint_from_the_future(self, hcr: TestClient) -> None:
        from tests.complaints.conftest import complaint, days_ago

        body = complaint(received_on=days_ago(-3))
        response = hcr.post("/api/v1/complaints", json=body, headers=FR)
        _, error = _refusal(response, 422)
        assert (error["field"], error["code"]) == ("received_on", "date_in_future")
        assert error["reason"] == "ne peut pas être dans le futur"

    def test_a_kobo_submission_names_its_question_and_never_its_answer(
        self, ocha: TestClient, hcr: TestClient
    ) -> None:
        from tests.complaints.kobo_data import FORMS, INTAKE, MAPPING, XFORM_ID, submission

        assert ocha.put(f"{FORMS}/{XFORM_ID}", json=MAPPING).status_code == 201
        body = submission(uuid="0b6f", grp_reception__canal="pirogue")
        response = hcr.post(INTAKE, json=body, headers=FR)
        detail, error = _refusal(response, 422)
        assert detail.startswith("La soumission ne forme pas une plainte valide : channel: ")
        assert (error["field"], error["code"]) == ("channel", "enum")
        assert error["reason"].startswith("L'entrée doit être ")
        assert error["reason"].endswith(" (question Kobo 'grp_reception/canal')")
        assert "pirogue" not in response.text

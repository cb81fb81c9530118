"""The primitive contract: every registered primitive goes through every layer.

parse → derive → steps (its rule named) → text / LaTeX / Markdown (one pdflatex run for all)
→ numpy (the compiled gradient against central differences of an mpmath loss written here)
→ check_gradient (passes; a wrong candidate fails) → the exported module, imported by a
fresh interpreter (one subprocess for all), agrees. Primitives users cannot write (sign,
sinh, the indicator) must appear in some case's derivative, so they are covered too.

A primitive added to the registry without a case here fails
``test_every_parser_name_has_a_case``: write its case, with an independent mpmath oracle.
The second half shows the contract catching an incomplete entry.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import mpmath
import numpy as np
import pytest
import sympy as sp

import gradproof
from gradproof.numeric.export import export_module
from gradproof.symbolic import primitives
from gradproof.symbolic.functions import Step
from gradproof.symbolic.notation import INDICATOR
from gradproof.symbolic.parse import parse_loss
from gradproof.symbolic.primitives import DEFAULT, Primitive, PrimitiveRule, RegistryError
from gradproof.symbolic.render.document import LATEX_PREAMBLE
from gradproof.symbolic.steps import Rule
from gradproof.verify.evaluators import _lambdify

N, D = 7, 3


def _u(x, y, w, b):
    """The affine argument most cases use: w·x + b − y, in mpmath."""
    return mpmath.fsum(wi * xi for wi, xi in zip(w, x, strict=True)) + b - y


# Parser name → (expression, independent mpmath per-sample loss ℓ(x, y, w, b)). The oracles
# use mpmath's own functions (or the textbook formula), never gradproof's.
CASES = {
    "abs": ("abs(w·x + b - y)", lambda *a: abs(_u(*a))),
    "exp": ("exp(-y*(w·x + b))", lambda x, y, w, b: mpmath.exp(-y * (_u(x, 0, w, b)))),
    "log": ("log(1 + (w·x + b - y)^2)", lambda *a: mpmath.log(1 + _u(*a) ** 2)),
    "sigmoid": ("sigmoid(w·x + b - y)", lambda *a: 1 / (1 + mpmath.exp(-_u(*a)))),
    "softplus": ("softplus(w·x + b - y)", lambda *a: mpmath.log(1 + mpmath.exp(_u(*a)))),
    "tanh": ("tanh(w·x + b - y)", lambda *a: mpmath.tanh(_u(*a))),
    "cosh": ("cosh(w·x + b - y)", lambda *a: mpmath.cosh(_u(*a))),
    "erf": ("erf(w·x + b - y)", lambda *a: mpmath.erf(_u(*a))),
    "max": ("max(w·x + b, y) + b^2", lambda x, y, w, b: max(_u(x, 0, w, b), y) + b**2),
    "min": ("min(w·x + b, y) + b^2", lambda x, y, w, b: min(_u(x, 0, w, b), y) + b**2),
    "relu": ("relu(w·x + b - y) + b^2", lambda x, y, w, b: max(0, _u(x, y, w, b)) + b**2),
    "log1p": ("log1p((w·x + b - y)^2)", lambda *a: mpmath.log1p(_u(*a) ** 2)),
    "sqrt": ("sqrt(1 + (w·x + b - y)^2)", lambda *a: mpmath.sqrt(1 + _u(*a) ** 2)),
}
NAMES = sorted(CASES)


def _data():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(N, D)) * 0.7
    y = rng.normal(size=N) * 0.5
    w = rng.normal(size=D) * 0.5
    b = 0.3
    u = X @ w + b - y
    assert np.min(np.abs(u)) > 1e-2 and np.min(np.abs(X @ w + b - y)) > 1e-2  # off the kinks
    return X, y, w, b


def _mp_grad(ell, X, y, w, b):
    """∂L/∂w, ∂L/∂b of L = Σᵢ ℓ by central differences in 40-digit arithmetic."""
    with mpmath.workdps(40):
        return _mp_grad_at_precision(ell, X, y, w, b)


def _mp_grad_at_precision(ell, X, y, w, b):
    rows = [[mpmath.mpf(float(v)) for v in row] for row in X]
    ys = [mpmath.mpf(float(v)) for v in y]

    def L(wv, bv):
        return mpmath.fsum(ell(r, yi, wv, bv) for r, yi in zip(rows, ys, strict=True))

    wm, bm = [mpmath.mpf(float(v)) for v in w], mpmath.mpf(float(b))
    h = mpmath.mpf("1e-15")
    gw = []
    for j in range(len(wm)):
        up, dn = list(wm), list(wm)
        up[j] += h
        dn[j] -= h
        gw.append(float((L(up, bm) - L(dn, bm)) / (2 * h)))
    gb = float((L(wm, bm + h) - L(wm, bm - h)) / (2 * h))
    return float(L(wm, bm)), np.array(gw), gb


@pytest.fixture(scope="module")
def derived():
    return {name: gradproof.derive(expr=CASES[name][0]) for name in NAMES}


def _entries(*exprs):
    """The registry entries of the function nodes in ``exprs``."""
    found = set()
    for e in exprs:
        for n in sp.preorder_traversal(e):
            if isinstance(n, sp.Function) and not isinstance(n, sp.Piecewise):
                found.add(primitives.node_entry(n, "text"))
    return found


def _derived_entries(d):
    f = d.form
    return _entries(f.loss, f.reg, f.cw, f.cb, f.cq, f.rw, f.rb)


def test_every_parser_name_has_a_case():
    names = set(primitives.parser_names()) - set(primitives.VECTOR_FUNCTIONS)
    assert names == set(CASES), "write a contract case (with an mpmath oracle) for each primitive"


@pytest.mark.parametrize("entry", DEFAULT.entries, ids=lambda e: e.name)
def test_every_entry_is_complete(entry):
    primitives.validate(entry, DEFAULT)


def test_every_node_entry_is_reached(derived):
    reached = set().union(*(_derived_entries(d) for d in derived.values()))
    for entry in DEFAULT.entries:
        if entry.nodes:
            assert entry in reached, f"no case reaches {entry.name!r}"


@pytest.mark.parametrize("name", NAMES)
def test_parse_builds_registered_nodes(name):
    expr = parse_loss(CASES[name][0]).expr
    entry = primitives.parser_entry(name)
    assert entry is not None
    funcs = {type(n) for n in sp.preorder_traversal(expr) if isinstance(n, sp.Function)}
    if entry.nodes:
        assert set(entry.nodes) & funcs
    for cls in funcs:  # sugar expands into registered nodes only
        assert any(cls in e.nodes for e in DEFAULT.entries), cls


@pytest.mark.parametrize("name", NAMES)
def test_steps_name_the_rule(name, derived):
    d = derived[name]
    rules = {s.rule for s in d.steps}
    expected = {e.rule for e in _entries(d.form.loss)} or {Rule.POWER}  # sqrt is a power
    assert expected <= rules, (name, expected - rules)


@pytest.mark.parametrize("name", NAMES)
def test_renders_with_every_leaf(name, derived):
    d = derived[name]
    text = d.render("text", detail="full")
    latex = d.render("latex", detail="full")
    md = d.render("markdown", detail="full")
    for entry in _derived_entries(d):
        if entry.text == "indicator":
            # \mathbb{1} is a plain 1 in KaTeX and MathJax: every format draws 1\!\!1
            assert "𝟙" in text and INDICATOR in latex and INDICATOR in md
            continue
        tex_head = entry.latex.split("{0}")[0].replace("{{", "{").replace("}}", "}")
        assert entry.text.split("{0}")[0] in text, (name, entry.text)
        assert tex_head in latex and tex_head in md, (name, entry.latex)
    for leak in ("Ramp", "Step(", "Sigmoid(", "Softplus(", "Heaviside", "DiracDelta", "**"):
        assert leak not in text and leak not in latex, (name, leak)


_NEED_TEX = bool(os.environ.get("CI"))


@pytest.mark.skipif(
    shutil.which("pdflatex") is None and not _NEED_TEX, reason="pdflatex not installed"
)
def test_latex_of_every_primitive_compiles_in_one_document(derived, tmp_path):
    bodies = [derived[name].render("latex", detail="full") for name in NAMES]
    tex = LATEX_PREAMBLE + "\\begin{document}\n" + "\n".join(bodies) + "\\end{document}\n"
    (tmp_path / "all.tex").write_text(tex)
    proc = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "all.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stdout[-3000:]


@pytest.mark.parametrize("name", NAMES)
def test_numpy_gradient_matches_mpmath(name, derived):
    X, y, w, b = _data()
    loss, gw_ref, gb_ref = _mp_grad(CASES[name][1], X, y, w, b)
    f = derived[name].numpy()
    gw, gb = f.grad(X, y, w, b)
    scale = 1 + np.max(np.abs(np.r_[gw_ref, gb_ref]))
    np.testing.assert_allclose(f.loss(X, y, w, b), loss, rtol=1e-12, err_msg=name)
    np.testing.assert_allclose(gw, gw_ref, rtol=1e-10, atol=1e-12 * scale, err_msg=name)
    np.testing.assert_allclose(gb, gb_ref, rtol=1e-10, atol=1e-12 * scale, err_msg=name)


@pytest.mark.parametrize("name", NAMES)
def test_check_gradient_passes_and_can_fail(name, derived):
    X, y, w, b = _data()
    d = derived[name]
    assert gradproof.check_gradient(d, X=X, y=y, w=w, b=b)
    g = d.numpy()

    def wrong(X_, y_, w_, b_):
        gw, gb = g.grad(X_, y_, w_, b_)
        return gw * 1.001 + 1e-3, gb

    assert not gradproof.check_gradient(d, grad=wrong, X=X, y=y, w=w, b=b)


def test_exported_modules_agree_in_a_fresh_interpreter(derived, tmp_path):
    X, y, w, b = _data()
    np.savez(tmp_path / "data.npz", X=X, y=y, w=w, b=b)
    for name in NAMES:
        (tmp_path / f"m_{name}.py").write_text(export_module(derived[name]))
    script = (
        "import json, sys, numpy as np\n"
        f"sys.path.insert(0, {str(tmp_path)!r})\n"
        "z = np.load('data.npz'); out = {}\n"
        f"for name in {NAMES!r}:\n"
        "    m = __import__('m_' + name)\n"
        "    gw, gb = m.grad(z['X'], z['y'], z['w'], float(z['b']))\n"
        "    out[name] = [m.loss(z['X'], z['y'], z['w'], float(z['b'])), list(gw), gb]\n"
        "assert not any(k.startswith('gradproof') for k in sys.modules), 'needs gradproof'\n"
        "print(json.dumps(out, default=float))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-I", "-c", script], cwd=tmp_path, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = json.loads(proc.stdout)
    for name in NAMES:
        f = derived[name].numpy()
        gw, gb = f.grad(X, y, w, b)
        np.testing.assert_allclose(got[name][0], f.loss(X, y, w, b), rtol=1e-14, err_msg=name)
        np.testing.assert_allclose(got[name][1], gw, rtol=1e-14, atol=1e-15, err_msg=name)
        np.testing.assert_allclose(got[name][2], gb, rtol=1e-14, atol=1e-15, err_msg=name)


@pytest.mark.parametrize("entry", [e for e in DEFAULT.entries if e.nodes], ids=lambda e: e.name)
@pytest.mark.parametrize("piece", ["real", "complex", "mp"])
def test_verify_uses_the_registered_evaluator(entry, piece):
    """No fallthrough to numpy's or mpmath's own function of the same name."""
    fn = getattr(entry, piece)
    if fn is primitives.NOT_ANALYTIC:
        with pytest.raises(RegistryError, match="NOT_ANALYTIC"):
            _lambdify((sp.Symbol("u"),), entry.nodes[0](sp.Symbol("u")), piece)
        return
    u = sp.Symbol("u", real=True)
    f = _lambdify((u,), entry.nodes[0](u), piece)
    assert f.__globals__[entry.nodes[0].__name__] is fn


_POINTS = (-3.7, -0.8, -0.2, 0.3, 1.1, 2.9)  # away from every kink (u = 0)


def _reference(entry, v):
    """SymPy's own value of the node at u = v (30 digits), or None where it is not real."""
    node = entry.nodes[0](sp.Float(v, 30)) if entry.name != "step" else Step(sp.Float(v, 30), 1)
    val = complex(sp.N(node, 30))
    return val.real if val.imag == 0 else None


@pytest.mark.parametrize("entry", [e for e in DEFAULT.entries if e.nodes], ids=lambda e: e.name)
def test_every_evaluator_agrees_with_sympy(entry):
    """real, mp, to_float and the printed numpy give SymPy's value; the complex continuation
    gives it too, and its imaginary part is the derivative (the complex step)."""
    from gradproof.numeric.printer import CoefficientPrinter

    u = sp.Symbol("u", real=True)
    node = Step(u, 1) if entry.name == "step" else entry.nodes[0](u)
    printer = CoefficientPrinter()
    code = printer.doprint(node)
    ns = {"np": np, "dt": np.dtype(np.float64)}
    exec(printer.prelude(), ns)  # the helpers exactly as a generated module gets them
    extra = (1,) if entry.name == "step" else ()
    with mpmath.workdps(30):
        _agree(entry, code, ns, extra)


def _agree(entry, code, ns, extra):
    for v in _POINTS:
        want = _reference(entry, v)
        if want is None:
            continue
        got = {
            "real": float(entry.real(np.float64(v), *extra)),
            "mp": float(entry.mp(mpmath.mpf(v), *extra)),
            "to_float": entry.to_float(v, *extra),
            "numpy": float(eval(code, {**ns, "p_u": np.float64(v)})),
        }
        for piece, value in got.items():
            assert value == pytest.approx(want, rel=1e-14, abs=1e-300), (entry.name, piece, v)
        if callable(entry.complex) and entry.complex is not primitives.NOT_ANALYTIC:
            h = 1e-20
            c = complex(entry.complex(np.complex128(v + 1j * h), *extra))
            slope = float(sp.N(entry.derivative(sp.Float(v, 30)), 30))
            assert c.real == pytest.approx(want, rel=1e-14), (entry.name, "complex", v)
            assert c.imag / h == pytest.approx(slope, rel=1e-12, abs=1e-300), (entry.name, v)


def test_rules_are_distinct_objects():
    rules = [e.rule for e in DEFAULT.entries if e.rule is not None]
    assert len({id(r) for r in rules}) == len(rules) == len(set(rules))
    assert all(r != s for r in rules for s in Rule)  # none is a structural rule in disguise
    assert primitives.by_name("ramp").rule.value == Rule.ACTIVE_SET.value  # same words...
    assert primitives.by_name("ramp").rule != Rule.ACTIVE_SET  # ...but not the same rule


# -- an incomplete primitive is caught ------------------------------------------------------
class Cube(sp.Function):
    """u³, as a new primitive would be written."""

    nargs = 1

    def fdiff(self, argindex=1):
        return 3 * self.args[0] ** 2


def _cube(**missing) -> Primitive:
    fields = dict(
        build=Cube,
        nodes=(Cube,),
        derivative=lambda u: 3 * u**2,
        rule=PrimitiveRule("CUBE", "derivative of the cube"),
        text="cube({0})",
        latex=r"\operatorname{{cube}}\left({0}\right)",
        numpy="({0})**3",
        real=lambda u: u**3,
        complex=lambda u: u**3,
        mp=lambda u: u**3,
        to_float=lambda u: u**3,
        example="cube(w·x + b - y)",
    )
    fields.update(missing)
    return Primitive("cube", **fields)


@pytest.mark.parametrize(
    "missing, words",
    [
        ({"numpy": None}, "numpy printing"),
        ({"mp": None}, "mpmath evaluator"),
        ({"complex": None}, "complex-step evaluator"),
        ({"latex": None}, "LaTeX printing"),
        ({"rule": None}, "rule name"),
        ({"numpy": "_cube({0})"}, "numpy helper _cube()"),
        ({"derivative": lambda u: 2 * u**2}, "disagrees with SymPy"),
        ({"kink": "max"}, "subgradient convention"),
    ],
    ids=lambda v: str(v)[:30] if isinstance(v, dict) else v,
)
def test_validate_names_the_missing_piece(missing, words):
    with pytest.raises(RegistryError, match="cube") as err:
        primitives.validate(_cube(**missing), DEFAULT)
    assert words in str(err.value)


def test_the_layers_catch_an_entry_without_numpy_or_mpmath():
    X, y, w, b = _data()
    with primitives.using(DEFAULT.with_entries(_cube(numpy=None))):
        d = gradproof.derive(expr="cube(w·x + b - y)")  # parse, derive and render work
        assert "cube(sᵢ − yᵢ)" in d.render("text")
        with pytest.raises(RegistryError, match=r"'cube' \(Cube\) has no numpy printing"):
            d.numpy()
    with primitives.using(DEFAULT.with_entries(_cube(mp=None))):
        d = gradproof.derive(expr="cube(w·x + b - y)")
        with pytest.raises(RegistryError, match="has no mpmath evaluator"):
            gradproof.check_gradient(d, X=X, y=y, w=w, b=b)
    with pytest.raises(gradproof.ParseError, match="unknown function 'cube'"):
        gradproof.derive(expr="cube(w·x + b - y)")  # gone with the temporary registry


def test_a_complete_new_primitive_works_end_to_end():
    X, y, w, b = _data()
    with primitives.using(DEFAULT.with_entries(_cube())):
        d = gradproof.derive(expr="cube(w·x + b - y)")
        rules = {s.rule.value for s in d.steps}
        assert "derivative of the cube" in rules
        gw, gb = d.numpy().grad(X, y, w, b)
        r = X @ w + b - y
        np.testing.assert_allclose(gw, 3 * r**2 @ X, rtol=1e-12)
        np.testing.assert_allclose(gb, 3 * np.sum(r**2), rtol=1e-12)
        assert gradproof.check_gradient(d, X=X, y=y, w=w, b=b)


def test_unregistered_nodes_never_fall_through():
    from gradproof.numeric.printer import CoefficientPrinter
    from gradproof.symbolic.render.printers import to_latex, to_text

    u = sp.Symbol("u", real=True)
    for node in (sp.gamma(u), sp.Function("f")(u), sp.Heaviside(u)):
        for fn in (to_text, to_latex, CoefficientPrinter().doprint):
            with pytest.raises(RegistryError, match="no primitive is registered"):
                fn(node)
        with pytest.raises(RegistryError):
            _lambdify((u,), node, "real")
    with pytest.raises(RegistryError, match="no rule for"):
        CoefficientPrinter().doprint(sp.Max(u, 2 * u))

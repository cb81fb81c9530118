"""A post's loss formula, read as math, written in gradproof's expression language.

The result is *text* for :func:`gradproof.symbolic.parse.parse_loss` (the whitelist parser),
so a post's formula reaches SymPy only through the same door as a user's ``--expr``. Only
the shapes of a linear model's loss are translated: sums over the samples (``Σᵢ``, ``Σ_{i=1}^n``,
``(1/n)Σ`` for a mean, ``Σ_{i∈M} f`` read as ``Σᵢ max(0, f)``), the data ``xᵢ, yᵢ``, the
parameters ``w, b``, the score ``sᵢ`` (= w·xᵢ + b), ``wᵀx``, ``‖w‖²``, λ, δ and the functions of
the language. Anything else raises :class:`NoTranslation`.

>>> from gradproof.audit.reader import statements
>>> rhs = statements(r"L = \\sum_i \\max(0, -y_i (w^T x_i + b)) + \\frac{\\lambda}{2}\\|w\\|^2")[0]
>>> loss_expression(rhs.parts[1].node)
('max(0, (-(y))*((dot(w, x) + b)))', '((lam)/(2))*((norm(w))^(2))', False)
"""

from __future__ import annotations

from gradproof.audit import nodes as N

__all__ = ["NoTranslation", "expression", "loss_expression", "PARAMS"]

PARAMS = {"λ": "lam", "lam": "lam", "lambda": "lam", "δ": "delta", "delta": "delta"}
_FUNCS = {"exp", "log", "sqrt", "max", "min", "sigmoid", "tanh", "abs", "softplus", "relu"}


class NoTranslation(Exception):
    """The formula uses something gradproof's expression language cannot say."""


def _name(n: N.Name, index: str, data: bool) -> tuple[str, bool]:
    per_sample = n.sub in (index, "")
    if n.base in ("x", "y", "s", "z") and not data:
        raise NoTranslation("data outside the sum over samples")
    if n.base == "x" and per_sample:
        return "x", True
    if n.base == "y" and per_sample:
        return "y", False
    if n.base in ("s", "z") and n.sub == index:
        return "(dot(w, x) + b)", False
    if n.base == "w" and not n.sub:
        return "w", True
    if n.base == "b" and not n.sub:
        return "b", False
    if n.key in PARAMS:
        return PARAMS[n.key], False
    raise NoTranslation(f"the name {n.key}")


def expression(node: N.Node, index: str = "i", data: bool = True) -> tuple[str, bool]:
    """``node`` as text of the expression language, and whether it is a vector; with
    ``data=False`` (a regulariser) the data x, y may not appear."""

    def ex(n: N.Node) -> tuple[str, bool]:
        return expression(n, index, data)

    def sc(n: N.Node) -> str:
        text, vec = ex(n)
        if vec:
            raise NoTranslation("a vector where a number belongs")
        return text

    if isinstance(node, N.Num):
        return node.text, False
    if isinstance(node, N.Name):
        return _name(node, index, data)
    if isinstance(node, N.Tr):
        return ex(node.arg)
    if isinstance(node, N.Neg):
        text, vec = ex(node.arg)
        if vec:
            raise NoTranslation("a negated vector")
        return f"-({text})", False
    if isinstance(node, N.Bin):
        a, va = ex(node.left)
        b, vb = ex(node.right)
        if va and vb and node.op == "·":
            return f"dot({a}, {b})", False
        if va or vb:
            raise NoTranslation("vector arithmetic outside a dot product")
        op = "*" if node.op in ("·", "×") else node.op
        return (f"({a} {op} {b})" if op in "+-" else f"({a}){op}({b})"), False
    if isinstance(node, N.Inner):
        return f"dot({ex(node.left)[0]}, {ex(node.right)[0]})", False
    if isinstance(node, N.Pow):
        if isinstance(node.base, N.Name) and node.base.key == "e":
            return f"exp({sc(node.exp)})", False
        return f"({sc(node.base)})^({sc(node.exp)})", False
    if isinstance(node, N.Norm):
        text, vec = ex(node.arg)
        if not vec:
            return f"abs({text})", False
        return f"norm({text})", False
    if isinstance(node, N.Abs):
        return f"abs({sc(node.arg)})", False
    if isinstance(node, N.Call) and node.func in _FUNCS:
        return f"{node.func}({', '.join(sc(a) for a in node.args)})", False
    raise NoTranslation(type(node).__name__)


def _terms(node: N.Node, sign: int = 1) -> list[tuple[int, N.Node]]:
    if isinstance(node, N.Bin) and node.op in "+-":
        return _terms(node.left, sign) + _terms(node.right, sign if node.op == "+" else -sign)
    if isinstance(node, N.Neg):
        return _terms(node.arg, -sign)
    return [(sign, node)]


def _mean_factor(node: N.Node) -> bool:
    """``1/n`` or ``\\frac{1}{n}``."""
    return (
        isinstance(node, N.Bin)
        and node.op == "/"
        and isinstance(node.left, N.Num)
        and node.left.value == 1
        and isinstance(node.right, N.Name)
        and node.right.key in ("n", "N")
    )


def _constant(node: N.Node) -> bool:
    return not any(isinstance(n, (N.Name, N.Sum)) for n in N.walk(node))


def _sum_of(node: N.Node) -> tuple[N.Sum, bool, str] | None:
    """A Σ over the samples, possibly times 1/n (a mean) or a constant such as ½."""
    if isinstance(node, N.Sum):
        return node, False, ""
    if isinstance(node, N.Bin) and node.op == "·" and _mean_factor(node.left):
        inner = _sum_of(node.right)
        return (inner[0], True, inner[2]) if inner else None
    if isinstance(node, N.Bin) and node.op == "·" and _constant(node.left):
        inner = _sum_of(node.right)
        if inner:
            return inner[0], inner[1], f"({expression(node.left)[0]})*" + inner[2]
    if isinstance(node, N.Bin) and node.op == "/" and isinstance(node.right, N.Name):
        inner = _sum_of(node.left)
        if inner and node.right.key in ("n", "N"):
            return inner[0], True, inner[2]
    return None


def loss_expression(
    node: N.Node, per_sample: dict[str, N.Node] | None = None
) -> tuple[str, str | None, bool]:
    """(per-sample loss, regulariser or None, mean) of a total loss ``L = …``.

    ``per_sample`` maps a per-sample loss name (``ℓ``) to its definition, for
    ``L = Σᵢ ℓᵢ``.
    """
    sample: list[str] = []
    reg: list[str] = []
    mean = None
    for sign, term in _terms(node):
        found = _sum_of(term)
        if found is None:
            text, vec = expression(term, data=False)
            if vec:
                raise NoTranslation("a vector added to the loss")
            reg.append(f"-({text})" if sign < 0 else text)
            continue
        s, is_mean, factor = found
        if mean is not None and mean != is_mean:
            raise NoTranslation("a sum and a mean together")
        mean = is_mean
        if s.over not in ("all", "range", "set"):
            raise NoTranslation("a sum over a condition")
        body = s.body
        if isinstance(body, N.Name) and per_sample and body.base in per_sample:
            body = per_sample[body.base]
        text = expression(body, s.var)[0]
        if s.over == "set":  # Σ_{i∈M} f: the samples where f counts, i.e. max(0, f)
            text = f"max(0, {text})"
        text = f"{factor}({text})" if factor else text
        sample.append(f"-({text})" if sign < 0 else text)
    if not sample:
        raise NoTranslation("no sum over the samples")
    return " + ".join(sample), (" + ".join(reg) if reg else None), bool(mean)

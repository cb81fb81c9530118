"""The expression tree of the audit's math reader. Every node keeps the offsets (in its
span's text) of the characters it was read from."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

__all__ = [
    "Node",
    "Num",
    "Name",
    "Vec",
    "Mat",
    "SetLit",
    "SetBuilder",
    "Bin",
    "Neg",
    "Pow",
    "Tr",
    "Call",
    "Norm",
    "Abs",
    "Inner",
    "Sum",
    "Ind",
    "Cmp",
    "In",
    "Deriv",
    "DerivOf",
    "Unknown",
    "walk",
    "is_literal",
]


@dataclass(frozen=True, eq=False)
class Node:
    start: int
    end: int


@dataclass(frozen=True, eq=False)
class Num(Node):
    value: float
    text: str

    @property
    def decimals(self) -> int:
        """Digits after the decimal point as written (0 for an integer)."""
        mantissa = self.text.lower().partition("e")[0]
        return len(mantissa.partition(".")[2])


@dataclass(frozen=True, eq=False)
class Name(Node):
    base: str
    sub: str = ""
    index: str = ""  # w^{(1)}: "1"
    primes: int = 0
    called: bool = False  # L(w, b): the arguments are only a reminder

    @property
    def key(self) -> str:
        """A canonical spelling: ``x_1``, ``w^(1)``, ``w'``."""
        out = self.base + (f"_{self.sub}" if self.sub else "")
        return out + (f"^({self.index})" if self.index else "") + "'" * self.primes


@dataclass(frozen=True, eq=False)
class Vec(Node):
    items: tuple[Node, ...]
    style: str = "["  # "[", "(" or a matrix environment name


@dataclass(frozen=True, eq=False)
class Mat(Node):
    rows: tuple[tuple[Node, ...], ...]
    style: str = "["


@dataclass(frozen=True, eq=False)
class SetLit(Node):
    items: tuple[Node, ...]


@dataclass(frozen=True, eq=False)
class SetBuilder(Node):
    var: str
    cond: Node


@dataclass(frozen=True, eq=False)
class Bin(Node):
    op: str  # + - * / · × (juxtaposition is ·)
    left: Node
    right: Node


@dataclass(frozen=True, eq=False)
class Neg(Node):
    arg: Node


@dataclass(frozen=True, eq=False)
class Pow(Node):
    base: Node
    exp: Node


@dataclass(frozen=True, eq=False)
class Tr(Node):
    arg: Node


@dataclass(frozen=True, eq=False)
class Call(Node):
    func: str
    args: tuple[Node, ...]


@dataclass(frozen=True, eq=False)
class Norm(Node):
    arg: Node


@dataclass(frozen=True, eq=False)
class Abs(Node):
    arg: Node


@dataclass(frozen=True, eq=False)
class Inner(Node):
    left: Node
    right: Node


@dataclass(frozen=True, eq=False)
class Sum(Node):
    var: str
    over: str  # "all", "set", "range", "cond"
    body: Node
    set: Node | None = None
    lo: Node | None = None
    hi: Node | None = None
    cond: Node | None = None


@dataclass(frozen=True, eq=False)
class Ind(Node):
    cond: Node


@dataclass(frozen=True, eq=False)
class Cmp(Node):
    op: str
    left: Node
    right: Node


@dataclass(frozen=True, eq=False)
class In(Node):
    item: Node
    set: Node
    negated: bool = False


@dataclass(frozen=True, eq=False)
class Deriv(Node):
    of: Name
    wrt: Name


@dataclass(frozen=True, eq=False)
class DerivOf(Node):
    wrt: Name
    body: Node


@dataclass(frozen=True, eq=False)
class Unknown(Node):
    why: str


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree, depth first (parents before children)."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        for value in vars(n).values():
            if isinstance(value, Node):
                stack.append(value)
            elif isinstance(value, tuple):
                for v in value:
                    if isinstance(v, Node):
                        stack.append(v)
                    elif isinstance(v, tuple):
                        stack.extend(x for x in v if isinstance(x, Node))


def is_literal(node: Node) -> bool:
    """A number, or a vector or matrix of numbers (signs allowed): a stated value."""
    if isinstance(node, Num):
        return True
    if isinstance(node, Neg):
        return is_literal(node.arg)
    if isinstance(node, Vec):
        return all(is_literal(i) for i in node.items)
    if isinstance(node, Mat):
        return all(is_literal(i) for row in node.rows for i in row)
    return False

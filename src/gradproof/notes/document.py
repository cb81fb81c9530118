"""A publishable note from a derivation: the loss, the derivation with its worked example, the
numpy code, the figures and a short gradient-descent table, as Markdown or LaTeX.

The maths comes from :meth:`Derivation.render`; this module only arranges it, adds the
surrounding prose (English or Chinese), and writes the files (document and figures) into one
folder, each atomically. Figures go to ``figures/`` next to the document and are referenced
relative to it.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from gradproof.datasets import Dataset, Point
from gradproof.errors import DataError, OptionError
from gradproof.io import write_atomic
from gradproof.notes.plots import FigureFile, loss_name, make_figures, require, words
from gradproof.notes.train import TrainResult, fmt_vector, summary, table_header, table_rows, train
from gradproof.symbolic.render.document import LATEX_PREAMBLE, latex_escape
from gradproof.symbolic.render.printers import to_latex
from gradproof.text import check_title, markdown_text, printable

if TYPE_CHECKING:  # pragma: no cover
    from gradproof.symbolic.derivation import Derivation

__all__ = ["NotesResult", "write_notes", "code_excerpt", "NOTE_FORMATS"]

NOTE_FORMATS = ("markdown", "latex")
FIGURE_FOLDER = "figures"
TABLE_ROWS = 12

_TEXT = {
    "en": {
        "title": "The gradient of the {loss}, step by step",
        "loss": "The loss",
        "derivation": "Derivation",
        "code": "The code",
        "code_intro": "gradproof compiles the derived gradient to numpy. The excerpt "
        "below is the generated gradient function: the scores s = Xw + b "
        "(one pass over X), the per-sample coefficients, then the gradient "
        "(a second pass over X).",
        "figures": "Figures",
        "descent": "Gradient descent",
        "descent_intro": "{method} with learning rate η = {lr}, starting from w = {w}, "
        "b = {b}, driven by the derived gradient (the active set is "
        "recomputed at every step); {summary}.",
        "landscape_cap": "The loss over ({a}, {b}) with the other coordinates fixed at the "
        "starting point. Red arrow: −∇L at the start; orange: the "
        "gradient-descent path (projected onto this slice); dashed: "
        "where a sample changes side.",
        "loss_cap": "The loss (solid) and the gradient norm (dashed) after each epoch; "
        "epoch 0 is the starting point.",
        "made_with": "Derived, compiled and checked with gradproof {version}.",
        "lang_note": "",
    },
    "zh": {
        "title": "{loss}的梯度：逐步推导",
        "loss": "损失函数",
        "derivation": "推导",
        "code": "代码",
        "code_intro": "gradproof 把推导出的梯度编译成 numpy 代码。下面是生成的梯度函数："
        "先算得分 s = Xw + b（遍历 X 一次），再算每个样本的系数，"
        "最后得到梯度（再遍历 X 一次）。",
        "figures": "图",
        "descent": "梯度下降",
        "descent_intro": "用推导出的梯度做梯度下降（{method}），学习率 η = {lr}，"
        "从 w = {w}, b = {b} 出发，每一步重新计算活动集；{summary}。",
        "landscape_cap": "损失在 ({a}, {b}) 上的截面，其余坐标固定在起点。红色箭头：起点处的 "
        "−∇L；橙色：梯度下降路径（投影到该截面）；虚线：样本改变类别的位置。",
        "loss_cap": "每轮结束时的损失（实线）与梯度范数（虚线）；第 0 轮为起点。",
        "made_with": "由 gradproof {version} 推导、编译并验证。",
        "lang_note": "（推导步骤由 gradproof 以英文生成。）",
    },
}
_SUMMARY_ZH = {True: "在第 {k} 轮后收敛（梯度为零）", False: "{k} 轮后梯度仍不为零"}


@dataclass(frozen=True)
class NotesResult:
    """What :func:`write_notes` wrote."""

    document: Path
    figures: list[FigureFile]
    training: TrainResult


_ENTRIES = ("_grad", "grad", "loss_and_grad")


def _helpers() -> set[str]:
    """Names of the hand-written helpers every generated module starts with."""
    from gradproof.numeric.printer import PRELUDE
    from gradproof.numeric.source import SCHEDULE

    return set(re.findall(r"^def (\w+)\(", PRELUDE + SCHEDULE, flags=re.M)) | {"prepare_arrays"}


def code_excerpt(source: str, entry: str | None = None) -> str:
    """The hyperparameter lines and the generated gradient function of ``source``.

    That is the first of :data:`_ENTRIES` defined (or ``entry``), with the generated
    functions it calls, in source order; the shared hand-written helpers (the prelude) are
    left out.
    """
    params = [line for line in source.splitlines() if re.match(r"^p_\w+ = ", line)]
    defs: dict[str, str] = {}
    for block in re.split(r"\n(?=def )", source):
        name = re.match(r"def (\w+)\(", block)
        if name:
            defs[name.group(1)] = block.strip()
    start = entry or next((n for n in _ENTRIES if n in defs), None)
    if start is None or start not in defs:
        return source
    skip = _helpers() - {start}
    keep, todo = {start}, [start]
    while todo:
        body = defs[todo.pop()]
        for name in defs:
            if name not in keep and name not in skip and re.search(rf"\b{name}\b", body):
                keep.add(name)
                todo.append(name)
    head = "\n".join(params) + "\n\n" if params else ""
    return head + "\n\n".join(defs[n] for n in defs if n in keep) + "\n"


_ASCII = {
    "σ": "sigma",
    "𝟙": "1",
    "∂": "d",
    "Σ": "sum",
    "·": "*",
    "≥": ">=",
    "≤": "<=",
    "‖": "||",
    "′": "'",
    "−": "-",
    "—": "--",
    "λ": "lam",
    "δ": "delta",
    "²": "^2",
    "ᵢ": "_i",
    "…": "...",
}


def _ascii(text: str) -> str:
    return "".join(_ASCII.get(ch, ch if ord(ch) < 128 else "?") for ch in text)


def _tex_zh(text: str) -> str:
    """Escape LaTeX specials but keep Chinese (and map the maths symbols latex_escape maps)."""
    return "".join(ch if ord(ch) > 0x2E80 else latex_escape(ch) for ch in text)


def _tex_coord(name: str) -> str:
    """w₁ → $w_{1}$, b → $b$."""
    digits = name[1:].translate(str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789"))
    return f"$w_{{{digits}}}$" if name.startswith("w") else f"${name}$"


def _sentence(text: str) -> str:
    if not text:
        return ""
    return text[0].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _definition_latex(d: Derivation) -> str:
    f = d.steps[0].formulas
    return r" \\ ".join(
        to_latex(x.chain, atoms=x.atoms, expand_score=x.expand_score, sets=dict(d.set_names))
        for x in f
    )


def _words(
    d: Derivation, result: TrainResult, start: Point, lr: float, lang: str
) -> dict[str, str]:
    from gradproof import __version__
    from gradproof.notes.train import fmt_number

    t = dict(_TEXT[lang])
    if lang == "zh":
        summ = _SUMMARY_ZH[result.converged].format(k=result.epochs_run)
        method = "SGD" if result.batch_size else "全批量"
    else:
        summ, method = summary(result), result.method.capitalize()
    t["descent_intro"] = t["descent_intro"].format(
        method=method, lr=fmt_number(lr), w=fmt_vector(start.w), b=fmt_number(start.b), summary=summ
    )
    t["made_with"] = t["made_with"].format(version=__version__)
    return t


def _coord_names(coords: tuple[int, int], dim: int) -> tuple[str, str]:
    return tuple(
        "b" if i == dim else f"w{'₁₂₃₄₅₆₇₈₉'[i] if i < 9 else i + 1}"  # type: ignore
        for i in coords
    )


def _markdown(
    d: Derivation,
    t: dict[str, str],
    title: str,
    front_matter: bool,
    date: str,
    figures: list[FigureFile],
    result: TrainResult,
    folder: Path,
    coords: tuple[str, str],
    lang: str = "en",
) -> str:
    out: list[str] = []
    if front_matter:
        # The title as data: one quoted YAML (JSON) string. Site templates escape it when they
        # print it (Jekyll's "| escape", Hugo's html/template); escaping here would show
        # "&amp;" on the page.
        out += [
            "---",
            "layout: post",
            f"title: {json.dumps(title, ensure_ascii=False)}",
            f"date: {date}",
            "---",
            "",
        ]
    else:
        out += [f"# {markdown_text(title)}", ""]  # one heading of plain text, whatever it holds
    out += [f"*{t['made_with']}*", ""]
    definition = _definition_latex(d)
    if r" \\ " in definition:  # MathJax breaks lines only inside an environment
        definition = rf"\begin{{gathered}}{definition}\end{{gathered}}"
    out += [
        f"## {t['loss']}",
        "",
        _sentence(d.spec.description),
        "",
        "```math",
        definition,
        "```",
        "",
    ]
    body = d.render("markdown").splitlines()
    if body and body[0].startswith("## "):
        body = body[1:]
    while body and not body[0].strip():
        body = body[1:]
    out += [f"## {t['derivation']}", ""]
    if t["lang_note"]:
        out += [t["lang_note"], ""]
    out += [*body, ""]
    out += [
        f"## {t['code']}",
        "",
        t["code_intro"],
        "",
        "```python",
        code_excerpt(d.numpy().source).rstrip(),
        "```",
        "",
    ]
    if figures:
        out += [f"## {t['figures']}", ""]
        for fig in figures:
            cap = (
                t["landscape_cap"].format(a=coords[0], b=coords[1])
                if fig.key == "landscape"
                else t["loss_cap"]
            )
            rel = fig.png.relative_to(folder).as_posix()
            w_ = words(lang)
            alt = (
                w_["landscape"].format(loss=loss_name(d, lang))
                if fig.key == "landscape"
                else w_["per_epoch"]
            )
            out += [f"![{alt}]({rel})", "", f"*{cap}*", ""]
    out += [f"## {t['descent']}", "", t["descent_intro"], ""]
    header = table_header(result)
    if lang == "zh":
        header = ["轮次", "损失", *header[2:5], header[5] if result.set_name else "活动样本"]
    for row in [header, ["---:"] * len(header), *table_rows(result, TABLE_ROWS)]:
        out.append("| " + " | ".join(c.replace("|", r"\|") for c in row) + " |")
    return "\n".join(out).rstrip() + "\n"


def _latex(
    d: Derivation,
    t: dict[str, str],
    title: str,
    date: str,
    lang: str,
    figures: list[FigureFile],
    result: TrainResult,
    folder: Path,
    coords: tuple[str, str],
) -> str:
    esc = _tex_zh if lang == "zh" else latex_escape
    pre = LATEX_PREAMBLE + "\\usepackage{graphicx}\n\\usepackage{booktabs}\n\\usepackage{float}\n"
    if lang == "zh":
        pre += "\\usepackage{CJKutf8}\n"
    out = [
        pre.rstrip(),
        rf"\title{{{esc(title)}}}",
        r"\author{}",
        rf"\date{{{esc(date)}}}",
        r"\begin{document}",
    ]
    if lang == "zh":
        out.append(r"\begin{CJK}{UTF8}{gbsn}")
    out += [
        r"\maketitle",
        rf"\begin{{center}}\emph{{{esc(t['made_with'])}}}\end{{center}}",
        rf"\section*{{{esc(t['loss'])}}}",
        latex_escape(_sentence(d.spec.description)),
        r"\begin{gather*}",
        _definition_latex(d),
        r"\end{gather*}",
    ]
    body = d.render("latex").splitlines()
    if body and body[0].startswith(r"\section*"):
        body = body[1:]
    out += [rf"\section*{{{esc(t['derivation'])}}}"]
    if t["lang_note"]:
        out.append(esc(t["lang_note"]))
    out += body
    out += [
        rf"\section*{{{esc(t['code'])}}}",
        esc(t["code_intro"]),
        r"\begin{verbatim}",
        _ascii(code_excerpt(d.numpy().source)).rstrip(),
        r"\end{verbatim}",
    ]
    if figures:
        out.append(rf"\section*{{{esc(t['figures'])}}}")
        for fig in figures:
            cap = esc(t["landscape_cap"] if fig.key == "landscape" else t["loss_cap"])
            for key, name in zip(("a", "b"), coords, strict=True):
                cap = cap.replace(rf"\{{{key}\}}", _tex_coord(name))
            width = "0.7" if fig.key == "landscape" else "0.85"
            out += [
                r"\begin{figure}[H]",
                r"\centering",
                rf"\includegraphics[width={width}\linewidth]"
                rf"{{{fig.png.relative_to(folder).as_posix()}}}",
                rf"\caption{{{cap}}}",
                r"\end{figure}",
            ]
    out += [
        rf"\section*{{{esc(t['descent'])}}}",
        esc(t["descent_intro"]),
        "",
        r"\begin{center}",
        r"\begin{tabular}{rrrlrr}",
        r"\toprule",
    ]
    header = [
        esc("轮次" if lang == "zh" else "epoch"),
        "$L$",
        r"$\lVert g\rVert$",
        r"$\mathbf{w}$",
        "$b$",
        f"$|{result.set_name}|$"
        if result.set_name
        else esc("活动样本" if lang == "zh" else "active"),
    ]
    out.append(" & ".join(header) + r" \\")
    out.append(r"\midrule")
    for row in table_rows(result, TABLE_ROWS):
        out.append(" & ".join(latex_escape(c) for c in row) + r" \\")
    out += [r"\bottomrule", r"\end{tabular}", r"\end{center}"]
    if lang == "zh":
        out.append(r"\end{CJK}")
    out.append(r"\end{document}")
    return "\n".join(out) + "\n"


def _check_date(date: str | None) -> str:
    """Today (UTC) for None; else a real calendar date written YYYY-MM-DD."""
    if date is None:
        return _dt.datetime.now(_dt.timezone.utc).date().isoformat()
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", date):
        raise OptionError(f"--date expects YYYY-MM-DD, got {printable(date)!r}")
    try:
        return _dt.date.fromisoformat(date).isoformat()
    except ValueError as exc:  # 2025-02-30, month 13, year 0
        raise OptionError(f"--date {date} is not a calendar date ({exc})") from None


def write_notes(
    d: Derivation,
    folder: str | Path,
    *,
    format: str = "markdown",
    title: str | None = None,
    front_matter: bool = False,
    date: str | None = None,
    lang: str = "en",
    epochs: int = 20,
    figures: bool = True,
    coords: tuple[int, int] | None = None,
) -> NotesResult:
    """Write one note (Markdown or LaTeX) and its figures into ``folder``.

    ``d`` must carry a worked example (derive it with data, or ``example=True`` for the
    built-in sample data): its data, point and learning rate also drive the figures and the
    gradient-descent table (``epochs`` epochs, stopping early at a zero gradient).
    """
    if format not in NOTE_FORMATS:
        raise OptionError(f"unknown notes format {format!r}; use markdown or latex")
    words(lang)
    ex = d.example
    if ex is None:
        raise OptionError(
            "the derivation has no worked example; derive it with data "
            "(X=..., y=...) or example=True for the built-in sample data"
        )
    date = _check_date(date)
    if title:
        title = check_title(title)
    if figures:
        require(lang)  # before anything is written
    out = Path(folder)
    if out.exists() and not out.is_dir():
        raise DataError(f"{out}: exists and is not a folder; give a folder for -o")
    data = Dataset(ex.X, ex.y, "worked example")
    start = Point(ex.w, ex.b)
    result = train(d, data, lr=ex.lr, epochs=epochs, at=start, history=epochs + 1)  # all rows
    out.mkdir(parents=True, exist_ok=True)
    from gradproof.notes.plots import parse_coords

    ij = coords if coords is not None else parse_coords(None, data.d)
    slug = d.name
    files: list[FigureFile] = []
    if figures:
        (out / FIGURE_FOLDER).mkdir(exist_ok=True)
        files = make_figures(d, data, start, result, out / FIGURE_FOLDER, slug, lang, ij)
    t = _words(d, result, start, ex.lr, lang)
    title = title or t["title"].format(loss=loss_name(d, lang))
    names = _coord_names(ij, data.d)
    if format == "markdown":
        text = _markdown(d, t, title, front_matter, date, files, result, out, names, lang)
        name = f"{date}-{slug}.md" if front_matter else f"{slug}.md"
    else:
        text = _latex(d, t, title, date, lang, files, result, out, names)
        name = f"{slug}.tex"
    doc = write_atomic(out / name, text)
    return NotesResult(doc, files, result)

"""``gradproof --lang zh derive mlp …``: every sentence of the network derivation and of its
worked example is Chinese (Markdown and LaTeX, where math is delimited; the text format's
prose lines), the network errors too."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from zh_text import cjk_share, english_words

from gradproof.cli import cli

# names of functions the steps use as words: the activation and the softmax, log-sum-exp
NAMES = {"ReLU", "relu", "Softmax", "softmax", "log-sum-exp"}
NETWORKS = [
    ("--layers", "2-16-3"),
    ("--layers", "2-5-3", "--activation", "sigmoid", "--loss", "squared_error", "--mean",
     "--reg", "l2", "--param", "lam=0.1"),
    ("--layers", "2-4-4-1", "--activation", "tanh", "--loss", "logistic", "--kink", "average"),
]  # fmt: skip


def zh(*args):
    res = CliRunner().invoke(cli, ["--lang", "zh", *args])
    return res.exit_code, res.output


@pytest.mark.parametrize("fmt", ["markdown", "latex"])
@pytest.mark.parametrize("net", NETWORKS, ids=["2-16-3-relu", "sigmoid-l2-mean", "tanh-logistic"])
def test_every_sentence_is_chinese(net, fmt):
    code, out = zh("derive", "mlp", *net, "--seed", "1", "--format", fmt)
    assert code == 0, out
    assert set(english_words(out)) <= NAMES, sorted(set(english_words(out)) - NAMES)
    cjk, latin = cjk_share(out)
    assert cjk > 10 * latin


def test_the_text_format_prose_lines_are_chinese():
    code, out = zh("derive", "mlp", "--layers", "2-16-3", "--seed", "1")
    assert code == 0, out
    prose = [ln.split("—", 1)[1] for ln in out.splitlines() if ln.strip().startswith("—")]
    assert len(prose) >= 15  # the derivation's steps and the worked example's
    for line in prose:
        assert set(english_words(line)) <= NAMES | {"GW", "GᵀA", "XW", "A₁W", "h1"}, line
    assert "算例" in out and "前向传播" in out and "梯度下降" in out


@pytest.mark.parametrize(
    "args,says",
    [
        (("derive", "mlp", "--layers", "2-x-3"), "层宽"),
        (("derive", "mlp", "--layers", "2-4-3", "--loss", "logistic"), "逻辑损失需要一个输出单元"),
        (("check", "mlp", "--layers", "3-4-3", "--X", "[[1,2]]", "--y", "[0]"), "特征"),
        (("codegen", "mlp"), "网络需要各层宽度"),
        (("check", "softmax", "--layers", "2-4-3"), "属于网络"),
    ],
    ids=["widths", "logistic-width", "features", "no-layers", "layers-without-mlp"],
)
def test_network_errors_are_chinese(args, says):
    code, out = zh(*args)
    assert code == 2 and says in out, out

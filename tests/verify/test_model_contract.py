"""The model contract: every registered score loss and regulariser goes through every layer.

For each loss over a score vector (``SCORE_LOSSES``) with each regulariser (``REGULARISERS``,
and none): derive → text / LaTeX / Markdown (a shape on every step) → compiled numpy (the
loss against a numpy formula written here, the gradient against central differences of that
formula) → check_gradient (the derived gradient passes, one 1 % off fails) → the exported
module, run by a fresh interpreter (one subprocess for all), agrees with the formula.

A loss or regulariser added to a registry without an oracle here fails
``test_every_registry_entry_has_an_oracle``: write its formula below.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import gradproof
from gradproof.numeric.export import export_module
from gradproof.symbolic.regularisers import REGULARISERS
from gradproof.symbolic.score_losses import SCORE_LOSSES

N, D, K = 7, 3, 4
PARAMS = {"lam": 0.3, "lam1": 0.2, "lam2": 0.5}


def _lse(S):
    m = S.max(axis=1, keepdims=True)
    return (m + np.log(np.exp(S - m).sum(axis=1, keepdims=True)))[:, 0]


def _rivals(S, y):
    """The scores with the true class's entry set to −∞ (so it is never a rival)."""
    R = S.astype(float).copy()
    R[np.arange(len(y)), y] = -np.inf
    return R


LOSS_ORACLES = {
    "softmax": lambda S, y: float(np.sum(_lse(S) - S[np.arange(len(y)), y])),
    "multiclass_hinge": lambda S, y: float(
        np.sum(np.maximum(0, 1 + _rivals(S, y) - S[np.arange(len(y)), y][:, None]))
    ),
    "crammer_singer": lambda S, y: float(
        np.sum(np.maximum(0, 1 + _rivals(S, y).max(axis=1) - S[np.arange(len(y)), y]))
    ),
    "multi_squared_error": lambda S, Y: float(0.5 * np.sum((S - Y) ** 2)),
}
REG_ORACLES = {
    None: lambda W: 0.0,
    "l2": lambda W: PARAMS["lam"] / 2 * np.sum(W**2),
    "l1": lambda W: PARAMS["lam"] * np.sum(np.abs(W)),
    "elastic_net": lambda W: PARAMS["lam1"] * np.sum(np.abs(W)) + PARAMS["lam2"] / 2 * np.sum(W**2),
}
CASES = [(loss, reg) for loss in SCORE_LOSSES for reg in [None, *REGULARISERS]]


def _data(loss: str):
    rng = np.random.default_rng(11)
    X = rng.normal(size=(N, D))
    if SCORE_LOSSES[loss].labels == "targets":
        y = rng.normal(size=(N, K))
    else:
        y = np.arange(N) % K
    # a point with no entry of W at 0 (the L1 kink) and, for the hinges, no tie within h
    W, b = rng.normal(size=(K, D)), rng.normal(size=K)
    return X, y, W, b


def _oracle(loss, reg, X, y, W, b) -> float:
    return LOSS_ORACLES[loss](X @ W.T + b, y) + REG_ORACLES[reg](W)


def _central(loss, reg, X, y, W, b, h=1e-6):
    out = {}
    for name, theta in (("W", W), ("b", b)):
        g = np.zeros_like(theta)
        for idx in np.ndindex(theta.shape):
            plus, minus = theta.copy(), theta.copy()
            plus[idx] += h
            minus[idx] -= h
            args = {"W": W, "b": b}
            fp = _oracle(loss, reg, X, y, **{**args, name: plus})
            fm = _oracle(loss, reg, X, y, **{**args, name: minus})
            g[idx] = (fp - fm) / (2 * h)
        out[name] = g
    return out


def _derive(loss, reg):
    params = {k: v for k, v in PARAMS.items() if reg and k in REGULARISERS[reg].params}
    return gradproof.derive(loss, reg=reg, params=params, example=False)


def test_every_registry_entry_has_an_oracle():
    assert set(LOSS_ORACLES) == set(SCORE_LOSSES)
    assert set(REG_ORACLES) - {None} == set(REGULARISERS)


@pytest.mark.parametrize(("loss", "reg"), CASES, ids=[f"{a}-{b}" for a, b in CASES])
def test_every_score_loss_and_regulariser_through_every_layer(loss, reg):
    d = _derive(loss, reg)
    # renderers: every step states its shapes, in each format
    text = d.render("text")
    assert "ℝ" in text and "∂L/∂W" in text
    assert "\\mathbb{R}" in d.render("latex") and "\\mathbb{R}" in d.render("markdown")
    # compiled numpy against the formula and its central differences
    X, y, W, b = _data(loss)
    f = d.numpy()
    assert f.loss(X, y, W=W, b=b) == pytest.approx(_oracle(loss, reg, X, y, W, b), rel=1e-12)
    got, want = f.gradient(X, y, W=W, b=b), _central(loss, reg, X, y, W, b)
    for name in ("W", "b"):
        np.testing.assert_allclose(got[name], want[name], rtol=1e-7, atol=1e-7)
    # the check: the formula's gradient passes, one 1 % off in one entry fails
    right = lambda X, y, W, b: tuple(f.gradient(X, y, W=W, b=b).values())  # noqa: E731

    def off(X, y, W, b):
        g = f.gradient(X, y, W=W, b=b)
        g["W"] = g["W"].copy()
        g["W"][0, 0] = g["W"][0, 0] * 1.01 + 1e-3
        return g["W"], g["b"]

    assert gradproof.check_gradient(d, grad=right, X=X, y=y).passed
    assert not gradproof.check_gradient(d, grad=off, X=X, y=y).passed


def test_every_exported_module_agrees_in_a_fresh_interpreter(tmp_path):
    jobs = []
    for i, (loss, reg) in enumerate(CASES):
        (tmp_path / f"m{i}.py").write_text(export_module(_derive(loss, reg)))
        X, y, W, b = _data(loss)
        np.savez(tmp_path / f"d{i}.npz", X=X, y=y, W=W, b=b)
        jobs.append(i)
    script = (
        "import importlib, json, sys, numpy as np\n"
        f"sys.path.insert(0, {str(tmp_path)!r})\n"
        "out = {}\n"
        f"for i in {jobs!r}:\n"
        "    m = importlib.import_module(f'm{i}')\n"
        f"    a = np.load({str(tmp_path)!r} + f'/d{{i}}.npz')\n"
        "    g = m.grad(a['X'], a['y'], a['W'], a['b'])\n"
        "    L = m.loss(a['X'], a['y'], a['W'], a['b'])\n"
        "    out[i] = [float(L), np.asarray(g['W']).tolist(), np.asarray(g['b']).tolist()]\n"
        "print(json.dumps(out))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-I", "-c", script], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = json.loads(proc.stdout)
    for i, (loss, reg) in enumerate(CASES):
        X, y, W, b = _data(loss)
        L, gW, gb = results[str(i)]
        assert L == pytest.approx(_oracle(loss, reg, X, y, W, b), rel=1e-12), (loss, reg)
        want = _central(loss, reg, X, y, W, b)
        np.testing.assert_allclose(gW, want["W"], rtol=1e-7, atol=1e-7, err_msg=f"{loss} {reg}")
        np.testing.assert_allclose(gb, want["b"], rtol=1e-7, atol=1e-7, err_msg=f"{loss} {reg}")

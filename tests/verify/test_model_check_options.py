"""The model check's precision= and claim= (issue 15): a float32 candidate returned as
float64 passes at precision="float32" (and is held to float64 without it); one 0.1 % off
fails; a claimed value is checked at its own point, each number to its written digits."""

from __future__ import annotations

import numpy as np
import pytest

import gradproof
from gradproof.datasets import sample_model_dataset
from gradproof.errors import DataError, OptionError, ShapeError


def hand(X, y, W, b, dt=np.float64):
    """Softmax cross-entropy gradient by hand, computed in ``dt``, returned as float64."""
    X, W, b = X.astype(dt), W.astype(dt), b.astype(dt)
    S = X @ W.T + b
    P = np.exp(S - S.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    P[np.arange(len(y)), y] -= 1
    return {"W": (P.T @ X).astype(np.float64), "b": P.sum(axis=0).astype(np.float64)}


def in32(X, y, W, b):
    return hand(X, y, W, b, np.float32)


def off(X, y, W, b):
    return {k: v * 1.001 for k, v in in32(X, y, W, b).items()}


def data(n=40, d=3, K=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.integers(0, K, n)


@pytest.mark.parametrize(
    ("grad", "precision", "passed"),
    [
        (in32, "float32", True),
        (off, "float32", False),
        (in32, None, False),
        (hand, "float32", True),
    ],
    ids=["float32-right", "float32-0.1%-off", "float32-held-to-float64", "float64-right"],
)
def test_precision_sets_the_tolerance(grad, precision, passed):
    X, y = data()
    report = gradproof.check_gradient("softmax", grad=grad, X=X, y=y, precision=precision)
    assert report.passed is passed
    if not passed:
        assert report.culprits


def test_float16_allows_more_than_float32():
    X, y = data(seed=1)

    def in16(X, y, W, b):
        return hand(X, y, W, b, np.float16)

    assert not gradproof.check_gradient("softmax", grad=in16, X=X, y=y, precision="float32").passed
    assert gradproof.check_gradient("softmax", grad=in16, X=X, y=y, precision="float16").passed


def _point_and_gradient(seed=2):
    X, y = data(seed=seed)
    rng = np.random.default_rng(seed)
    W, b = rng.normal(size=(4, 3)), rng.normal(size=4)
    return X, y, {"W": W.tolist(), "b": b.tolist()}, hand(X, y, W, b)


def test_a_claim_is_held_to_its_digits_at_its_own_point():
    X, y, at, g = _point_and_gradient()
    claim = {"W": [[f"{v:.4f}" for v in row] for row in g["W"]], "b": [f"{v:.4f}" for v in g["b"]]}
    report = gradproof.check_gradient("softmax", claim=claim, X=X, y=y, at=at)
    assert report.passed and len(report.points) == 1
    claim["W"][1][2] = f"{g['W'][1, 2] + 0.001:.4f}"  # 20 units in the last digit off
    report = gradproof.check_gradient("softmax", claim=claim, X=X, y=y, at=at)
    assert not report.passed and report.culprits == ("W[2,3]",)
    # written with fewer digits, the same number is within its resolution
    short = {
        "W": [[round(v, 2) for v in row] for row in g["W"]],
        "b": [round(v, 2) for v in g["b"]],
    }
    assert gradproof.check_gradient("softmax", claim=short, X=X, y=y, at=at).passed


def test_a_claim_without_data_is_on_the_built_in_data():
    ds = sample_model_dataset()
    y = ds.y.astype(int)
    g = hand(ds.X, y, np.zeros((3, 2)), np.zeros(3))
    claim = {k: v.tolist() for k, v in g.items()}
    report = gradproof.check_gradient("softmax", claim=claim)
    assert report.passed and "built-in 3-class data" in str(report)
    claim["b"][0] += 0.01
    assert gradproof.check_gradient("softmax", claim=claim).culprits == ("b[1]",)


BAD = [
    ("both", dict(grad=hand, claim={"W": [[0.0]], "b": [0.0]}), OptionError, "not both"),
    ("precision", dict(grad=hand, precision="float8"), OptionError, "precision must be one of"),
    ("claim-not-a-mapping", dict(claim=[1.0]), OptionError, "a claim must look like"),
    ("claim-shape", dict(claim={"W": [[0.0]], "b": [0.0] * 4}), ShapeError, "W has shape 1×1"),
    ("claim-missing", dict(claim={"W": [[0.0] * 3] * 4}), DataError, "b is missing"),
    ("claim-text", dict(claim={"W": [["x"] * 3] * 4, "b": [0] * 4}), DataError, "not a number"),
]


@pytest.mark.parametrize("kw, error, words", [r[1:] for r in BAD], ids=[r[0] for r in BAD])
def test_bad_options_are_one_line(kw, error, words):
    X, y = data()
    with pytest.raises(error, match=words) as info:
        gradproof.check_gradient("softmax", X=X, y=y, **kw)
    assert "\n" not in str(info.value)

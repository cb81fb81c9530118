"""``gradproof check mlp --layers … --grad FILE.py:func`` and ``check_gradient("mlp", …)``:
a right hand-written backprop passes, a missing σ′, a transposed W2 and b1 summed over the
wrong axis each FAIL naming their layer, a ReLU kink is never a false FAIL, --fast, --json,
--seed, and bad input is one line with exit code 2."""

from __future__ import annotations

import json
import textwrap

import numpy as np
import pytest
from click.testing import CliRunner

import gradproof
from gradproof.cli import cli

# a hand-written numpy backprop for one hidden layer, with the bugs the issue names
CANDIDATES = textwrap.dedent(
    """
    import numpy as np

    def _act(Z, act):
        if act == "relu":
            return np.maximum(Z, 0.0)
        if act == "tanh":
            return np.tanh(Z)
        return 1.0 / (1.0 + np.exp(-Z))

    def _prime(Z, A, act, h0=0.0):
        if act == "relu":
            return np.where(Z > 0, 1.0, np.where(Z < 0, 0.0, h0))
        if act == "tanh":
            return 1.0 - A * A
        return A * (1.0 - A)

    def backprop(X, y, W1, b1, W2, b2, act, bug=None, h0=0.0):
        Z = X @ W1.T + b1
        A = _act(Z, act)
        S = A @ W2.T + b2
        P = np.exp(S - S.max(axis=1, keepdims=True))
        P /= P.sum(axis=1, keepdims=True)
        G = P.copy()
        G[np.arange(len(y)), np.asarray(y, dtype=int)] -= 1.0
        D = G @ W2
        if bug != "no-prime":
            D = D * _prime(Z, A, act, h0)
        out = {"W1": D.T @ X, "b1": D.sum(axis=0), "W2": G.T @ A, "b2": G.sum(axis=0)}
        if bug == "transposed-W2":
            out["W2"] = A.T @ G
        if bug == "transposed-W1":
            out["W1"] = X.T @ D
        if bug == "b1-axis":
            out["b1"] = D.sum(axis=1)
        return out

    def right_sigmoid(X, y, W1, b1, W2, b2):
        return backprop(X, y, W1, b1, W2, b2, "sigmoid")

    def right_relu(X, y, W1, b1, W2, b2):
        return backprop(X, y, W1, b1, W2, b2, "relu")

    def relu_h0_one(X, y, W1, b1, W2, b2):
        return backprop(X, y, W1, b1, W2, b2, "relu", h0=1.0)

    def relu_h0_half(X, y, W1, b1, W2, b2):
        return backprop(X, y, W1, b1, W2, b2, "relu", h0=0.5)

    def no_prime(X, y, W1, b1, W2, b2):
        return backprop(X, y, W1, b1, W2, b2, "sigmoid", bug="no-prime")

    def transposed_W2(X, y, W1, b1, W2, b2):
        return backprop(X, y, W1, b1, W2, b2, "sigmoid", bug="transposed-W2")

    def transposed_W1(X, y, W1, b1, W2, b2):
        return backprop(X, y, W1, b1, W2, b2, "sigmoid", bug="transposed-W1")

    def b1_axis(X, y, W1, b1, W2, b2):
        return backprop(X, y, W1, b1, W2, b2, "sigmoid", bug="b1-axis")

    def linear_signature(X, y, W, b):
        return {"W": W, "b": b}
    """
)

XS = [[1, 2], [3, -4], [0, 1], [-1, 0.5], [2, 2], [0.5, -1]]
YS = [0, 2, 1, 2, 0, 1]


@pytest.fixture(scope="module")
def module(tmp_path_factory):
    path = tmp_path_factory.mktemp("cand") / "cands.py"
    path.write_text(CANDIDATES)
    return path


def run(*args):
    return CliRunner().invoke(cli, ["check", "mlp", *args])


def test_a_right_backprop_passes_on_generated_and_given_data(module):
    for act in ("sigmoid", "relu"):
        res = run("--layers", "2-8-3", "--activation", act, "--grad", f"{module}:right_{act}")
        assert res.exit_code == 0, res.output
        assert "PASS" in res.output and "2-8-3 " + act in res.output
        assert "generated data" in res.output and "random point of seed 0" in res.output
    given = ("--X", json.dumps(XS), "--y", json.dumps(YS))
    res = run("--layers", "2-8-3", "--activation", "relu", "--grad", f"{module}:right_relu", *given)
    assert res.exit_code == 0, res.output
    assert "PASS" in res.output and "generated data" not in res.output


@pytest.mark.parametrize(
    "func,layer,says",
    [
        ("no_prime", "1", "W1["),
        ("transposed_W2", "2", "the W2 part has shape 8×3, the transpose of W2's 3×8"),
        (
            "transposed_W1",
            "1",
            "the W1 part has shape 2×8, the transpose of W1's 8×2: return δ1.T @ X",
        ),
        ("b1_axis", "1", "the b1 part has shape 6, one entry per sample: sum δ1 over the"),
    ],
    ids=["missing-sigma-prime", "transposed-W2", "transposed-W1", "b1-wrong-axis"],
)
def test_each_bug_fails_naming_its_layer(module, func, layer, says):
    res = run(
        "--layers", "2-8-3", "--activation", "sigmoid", "--grad", f"{module}:{func}",
        "--X", json.dumps(XS), "--y", json.dumps(YS),
    )  # fmt: skip
    assert res.exit_code == 1, res.output
    assert "FAIL" in res.output and says in res.output, res.output
    if func == "no_prime":  # wrong entries: the layer line names layer 1 only
        assert "wrong entries are in layer 1\n" in res.output
        report = json.loads(
            run("--layers", "2-8-3", "--activation", "sigmoid", "--grad", f"{module}:{func}",
                "--json").output
        )  # fmt: skip
        assert report["culprits"] and all(c[:2] in ("W1", "b1") for c in report["culprits"])
    else:
        other = "W2" if layer == "1" else "W1"
        assert f"{other} part has shape" not in res.output


def test_a_square_layer_transposed_is_named_by_its_entries():
    # 3-3-3: W2ᵀ has W2's shape, so the entries say it (and only layer 2's)
    d = gradproof.derive("mlp", layers="3-3-3", activation="tanh")
    rng = np.random.default_rng(5)
    X, y = rng.standard_normal((7, 3)), np.arange(7) % 3
    ns: dict = {}
    exec(CANDIDATES, ns)  # the test's own candidates, not user text

    def transposed(X, y, W1, b1, W2, b2):
        g = ns["backprop"](X, y, W1, b1, W2, b2, "tanh")
        g["W2"] = g["W2"].T
        return g

    report = gradproof.check_gradient(d, grad=transposed, X=X, y=y)
    assert not report.passed
    assert report.culprits and all(c.startswith("W2[") for c in report.culprits)
    assert "wrong entries are in layer 2\n" in str(report)


def test_check_gradient_by_name_and_assert_gradient():
    ns: dict = {}
    exec(CANDIDATES, ns)
    report = gradproof.check_gradient(
        "mlp", layers="2-8-3", activation="sigmoid", grad=ns["right_sigmoid"]
    )
    assert report.passed and report.network == "2-8-3 sigmoid, softmax"
    with pytest.raises(AssertionError, match="layer 1"):
        gradproof.assert_gradient("mlp", layers="2-8-3", activation="sigmoid", grad=ns["no_prime"])
    own = gradproof.check_gradient(
        "mlp", layers="2-4-4-1", activation="tanh", output_loss="logistic"
    )
    assert own.passed, str(own)


@pytest.mark.parametrize("h0", ["relu_h0_one", "relu_h0_half", "right_relu"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_relu_kinks_never_give_a_false_fail(module, h0, seed):
    # zero rows of X and b1 = 0 put every hidden unit exactly on its kink at the given point:
    # relu′(0) = 0, ½ and 1 are all valid subgradients there
    rng = np.random.default_rng(seed)
    X = np.vstack([np.zeros((2, 2)), rng.standard_normal((4, 2))])
    at = {
        "W1": rng.standard_normal((8, 2)).tolist(),
        "b1": [0.0] * 8,
        "W2": rng.standard_normal((3, 8)).tolist(),
        "b2": [0.0] * 3,
    }
    res = run(
        "--layers", "2-8-3", "--grad", f"{module}:{h0}", "--X", json.dumps(X.tolist()),
        "--y", "[0,1,2,0,1,2]", "--at", json.dumps(at), "--seed", str(seed),
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "on a kink, skipped" in res.output


def test_a_binding_kink_convention_is_held_at_the_kink(module):
    X = [[0, 0], [1, 2], [-1, 1]]
    at = {"W1": [[1, 0], [0, 1]], "b1": [0, 0], "W2": [[1, -1], [0.5, 2], [-1, 1]], "b2": [0, 0, 0]}
    common = ("--layers", "2-2-3", "--X", json.dumps(X), "--y", "[0,1,2]", "--at", json.dumps(at))
    ok = run(*common, "--grad", f"{module}:right_relu", "--kink", "exclude", "--points", "1")
    assert ok.exit_code == 0, ok.output
    held = run(*common, "--grad", f"{module}:relu_h0_one", "--kink", "exclude", "--points", "1")
    assert held.exit_code == 1 and "declared convention" in held.output, held.output


def test_fast_json_and_seed(module):
    res = run("--layers", "2-8-3", "--grad", f"{module}:right_relu", "--fast", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["passed"] and out["mode"] == "fast" and out["network"] == "2-8-3 relu, softmax"
    seeded = json.loads(run("--layers", "2-8-3", "--seed", "4", "--json").output)
    assert seeded["seed"] == 4 and "random point of seed 4" in seeded["points"][0]["label"]
    bad = json.loads(run("--layers", "2-8-3", "--activation", "sigmoid", "--fast", "--json",
                         "--grad", f"{module}:no_prime").output)  # fmt: skip
    assert not bad["passed"] and bad["mode"] == "fast"


@pytest.mark.parametrize(
    "args,says",
    [
        (("--grad", "{m}:linear_signature", "--layers", "2-8-3"), "cannot be called as grad(X, y"),
        (("--grad", "{m}:nowhere", "--layers", "2-8-3"), "nowhere"),
        ((), "--layers"),
        (("--layers", "2-8-3", "--expr", "s"), "--expr"),
        (("--layers", "2-8-3", "--claim", "{}"), "--claim"),
        (("--layers", "2-x-3"), "2-x-3"),
        (("--layers", "3-8-3", "--X", "[[1,2]]", "--y", "[0]"), "features"),
        (("--layers", "2-8-3", "--loss", "hinge"), "hinge"),
    ],
    ids=["wrong-signature", "no-such-function", "no-layers", "expr", "claim", "bad-widths",
         "wrong-features", "unknown-loss"],
)  # fmt: skip
def test_bad_input_is_one_line_exit_2(module, args, says):
    res = run(*[a.replace("{m}", str(module)) for a in args])
    assert res.exit_code == 2, res.output
    assert says in res.output and len(res.output.strip().splitlines()) == 1, res.output
    assert "Traceback" not in res.output


def test_network_options_without_a_network_are_refused():
    res = CliRunner().invoke(cli, ["check", "softmax", "--layers", "2-8-3"])
    assert res.exit_code == 2 and "gradproof check mlp" in res.output


def test_a_kink_rounded_differently_by_the_candidate_is_not_a_fail():
    # z = 0.7 + 0.2 − 0.9 is 0 exactly; in floating point it is −1.1e−16 added up in one
    # order and 0 in another: a candidate with relu′(0) = 1 that sums in the other order sees
    # the unit active where gradproof's reference sees it off
    d = gradproof.derive("mlp", layers="2-2-3")
    X, y = np.array([[0.7, 0.2], [1.0, -0.5], [0.3, 0.7]]), np.array([0, 1, 2])
    at = {
        "W1": np.array([[1.0, 1.0], [0.5, -1.0]]),
        "b1": np.array([-0.9, 0.2]),
        "W2": np.array([[1.0, -1.0], [0.5, 2.0], [-1.0, 1.0]]),
        "b2": np.zeros(3),
    }

    def reordered(X, y, W1, b1, W2, b2):
        Z = (X[:, 1:] @ W1[:, 1:].T + b1) + X[:, :1] @ W1[:, :1].T  # another order
        A = np.maximum(Z, 0.0)
        S = A @ W2.T + b2
        P = np.exp(S - S.max(axis=1, keepdims=True))
        P /= P.sum(axis=1, keepdims=True)
        P[np.arange(len(y)), y] -= 1.0
        D = (P @ W2) * (Z >= 0)
        return {"W1": D.T @ X, "b1": D.sum(axis=0), "W2": P.T @ A, "b2": P.sum(axis=0)}

    ours = (X @ at["W1"].T + at["b1"])[0, 0]
    theirs = ((X[:, 1:] @ at["W1"][:, 1:].T + at["b1"]) + X[:, :1] @ at["W1"][:, :1].T)[0, 0]
    assert ours < 0 and abs(ours) < 1e-15 and theirs == 0  # a rounded kink, seen two ways
    ns: dict = {}
    exec(CANDIDATES, ns)
    for grad in (reordered, ns["right_relu"], ns["relu_h0_one"]):
        report = gradproof.check_gradient(d, grad=grad, X=X, y=y, at=at)
        assert report.passed, str(report)
        assert report.points[0].verdict == "kink"

"""The one-pass and two-pass schedules: the same results (to rounding), the choice, threads,
and the label check of the compiled functions."""

from __future__ import annotations

import importlib.util
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from gradproof import DataError, OptionError, derive
from gradproof.numeric import export_module
from gradproof.symbolic.losses import LOSSES

_spec = importlib.util.spec_from_file_location(
    "oracles_numpy", Path(__file__).with_name("oracles_numpy.py")
)
oracles = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(oracles)

SMALL_BLOCKS = dict(block_bytes=4096, workers=3)  # many blocks, many chunks, 3 threads


def _close(got, want, rtol):
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    scale = max(1.0, float(np.max(np.abs(want), initial=0.0)))
    np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * scale)


@pytest.mark.parametrize(
    "dtype, rtol", [(np.float64, 1e-12), (np.float32, 2e-5)], ids=["f64", "f32"]
)
@pytest.mark.parametrize("schedule", ["one-pass", "two-pass"])
@pytest.mark.parametrize("name", list(LOSSES))
def test_each_schedule_matches_the_oracle(name, schedule, dtype, rtol):
    X, y, w, b = oracles.make_data(5_000, 7, LOSSES[name].labels, seed=3, dtype=dtype)
    f = derive(name).numpy().with_schedule(schedule, **SMALL_BLOCKS)
    want = oracles.oracle(name)(*(a.astype(np.float64) for a in (X, y, w)), b)
    L, gw, gb = f.loss_and_grad(X, y, w, b)
    assert L.dtype == gw.dtype == gb.dtype == dtype
    for got, ref in zip((L, gw, gb), want, strict=True):
        _close(got, ref, rtol)
    _close(f.loss(X, y, w, b), want[0], rtol)
    g = f.grad(X, y, w, b)
    assert g[0].dtype == g[1].dtype == dtype
    _close(g[0], want[1], rtol)
    _close(g[1], want[2], rtol)


@pytest.mark.parametrize("name", list(LOSSES))
def test_one_pass_result_does_not_depend_on_the_thread_count(name):
    X, y, w, b = oracles.make_data(5_000, 7, LOSSES[name].labels, seed=4)
    f = derive(name).numpy()
    runs = [
        f.with_schedule("one-pass", block_bytes=4096, workers=k).loss_and_grad(X, y, w, b)
        for k in (1, 2, 3)
    ]
    for other in runs[1:]:
        for a, c in zip(runs[0], other, strict=True):
            np.testing.assert_array_equal(a, c)  # the same sums in the same order


def test_the_choice_follows_type_layout_and_size(monkeypatch):
    f = derive("logistic").numpy().with_schedule(None)  # a namespace of its own
    assert f.schedule(np.zeros((100, 10))) == "two-pass"  # small: two BLAS calls
    many = np.zeros((300_000, 2))  # 4.8 MB in 2¹⁸ rows or more: one pass
    assert f.schedule(many) == "one-pass"
    assert f.schedule(np.asfortranarray(many)) == "two-pass"  # rows are not contiguous
    assert f.schedule(np.zeros((5_000, 100))) == "two-pass"  # 4 MB: too small
    assert f.schedule(np.zeros((1_000, 100_000))) == "two-pass"  # rows longer than a block
    few = np.zeros((80_000, 256))  # 164 MB in few rows of 2 kB: one pass only beyond the cache
    monkeypatch.setitem(f.namespace["_rule"].__globals__, "LLC_BYTES", 32 << 20)
    assert f.schedule(few) == "one-pass"
    assert f.schedule(np.zeros((10_000, 256))) == "two-pass"  # 20 MB: in the cache
    assert f.schedule(np.zeros((20_000, 1_000))) == "two-pass"  # rows of 8 kB: two passes
    assert f.schedule(np.zeros((300_000, 257))) == "two-pass"
    assert f.with_schedule("one-pass").schedule(np.zeros((3, 2))) == "one-pass"
    assert "def _grad_one_pass(" in f.source and "def _grad_two_pass(" in f.source
    assert "def _rule(" in f.source


def test_the_rule_counts_on_at_most_32_mib_of_the_last_level_cache():
    # sysfs reports the whole shared cache (300 MiB on a 2-core VM whose second pass over
    # 64 MiB came from memory): X of 40 MB in fewer than 2¹⁸ rows is beyond it on any machine
    for f in (derive("perceptron").numpy().with_schedule(None), derive("logistic").numpy()):
        ns = f.namespace
        assert ns["LLC_BYTES"] == min(ns["_llc_bytes"](), ns["LLC_SHARE_MAX"]) <= 32 << 20
        assert f.schedule(np.zeros((50_000, 100))) == "one-pass"
    exported: dict = {}
    exec(export_module(derive("perceptron")), exported)  # noqa: S102 (gradproof's own output)
    assert exported["LLC_BYTES"] <= exported["LLC_SHARE_MAX"] == 32 << 20


def test_wide_rows_take_one_pass_only_where_the_coefficients_are_light(monkeypatch):
    # rows of 2 to 8 kB beyond the cache: one pass for comparisons, clips and arithmetic
    # (perceptron, Huber); two for a coefficient with exponentials (logistic's σ)
    light = derive("perceptron").numpy().with_schedule(None)
    huber = derive("huber").numpy().with_schedule(None)
    heavy = derive("logistic").numpy().with_schedule(None)
    assert 'LIGHT.add("_grad")' in light.source and 'LIGHT.add("_loss")' in huber.source
    assert "LIGHT.add(" not in heavy.source
    wide = np.zeros((20_000, 1_000))  # 160 MB in rows of 8 kB
    for f in (light, huber, heavy):
        monkeypatch.setitem(f.namespace["_rule"].__globals__, "LLC_BYTES", 32 << 20)
    assert light.schedule(wide) == light.schedule(wide, "loss_and_grad") == "one-pass"
    assert huber.schedule(wide, "loss") == "one-pass"
    assert heavy.schedule(wide) == heavy.schedule(wide, "loss") == "two-pass"
    assert huber.schedule(wide) == "one-pass"
    assert light.schedule(np.zeros((20_000, 1_024))) == "one-pass"  # 8 kB exactly
    assert light.schedule(np.zeros((20_000, 1_025))) == "two-pass"  # rows over 8 kB
    in_cache = np.zeros((2_000, 1_000))  # 16 MB in rows of 8 kB, fewer than 2¹⁸ rows
    assert light.schedule(in_cache) == "two-pass"


@pytest.mark.parametrize(
    "expr, light",
    [
        ("(dot(w,x) + b - y)^2", True),
        ("max(0, 1 - y*(dot(w,x) + b))^3", True),
        ("abs(dot(w,x) + b - y)^1.5", False),  # a power costs an exp and a log
        ("sqrt(1 + (dot(w,x) + b - y)^2)", False),
        ("exp(-y*(dot(w,x) + b))", False),
        ("log(1 + exp(-y*(dot(w,x) + b)))", False),
    ],
)
def test_light_code_is_arithmetic_comparisons_and_clips(expr, light):
    f = derive(expr=expr).numpy()
    assert ('LIGHT.add("_grad")' in f.source) == light
    assert 'LIGHT.add("_grad_w0")' not in f.source  # a _w0 variant follows _grad


def test_a_w0_variant_takes_the_schedule_of_its_function(monkeypatch):
    # w/‖w‖ makes a _w0 variant; the rule answers for it as for its function
    f = derive(expr="(dot(w,x) + b - y)^2 + norm(w)").numpy().with_schedule(None)
    assert "def _grad_w0(" in f.source and 'LIGHT.add("_grad")' in f.source
    rule = f.namespace["_rule"]
    monkeypatch.setitem(rule.__globals__, "LLC_BYTES", 32 << 20)
    wide = np.zeros((20_000, 1_000))
    assert rule(wide, "_grad_w0") == rule(wide, "_grad") == "one-pass"


def test_calibration_starts_with_the_light_rule(monkeypatch):
    f = derive("perceptron").numpy().with_schedule("calibrate")
    monkeypatch.setitem(f.namespace["_rule"].__globals__, "LLC_BYTES", 32 << 20)
    assert f.schedule(np.zeros((20_000, 1_000))) == "one-pass"  # the rule's choice first


def test_the_rule_repeats_bit_for_bit():
    """Without calibration a call's schedule depends on X alone: the same call gives the
    same bits every time (the two schedules round differently)."""
    X, y, w, b = oracles.make_data(300_000, 2, "pm1", seed=12)
    f = derive("logistic").numpy().with_schedule(None)
    first = f.loss_and_grad(X, y, w, b)
    for _ in range(15):
        for a, c in zip(first, f.loss_and_grad(X, y, w, b), strict=True):
            np.testing.assert_array_equal(a, c)
    assert f.calibration() == {}


# -- calibration --------------------------------------------------------------------------
NARROW = (300_000, 2)  # 4.8 MB in 2¹⁸ rows or more: calibrated, the rule's one-pass first


def _fresh(name="logistic"):
    """A compiled loss that calibrates, with a namespace of its own (no calibration shared
    with others)."""
    return derive(name).numpy().with_schedule("calibrate")


def _calibrate(ns, X, times):
    """Feed the timed calls of _grad on X with the given seconds per schedule; return the
    schedules of all calls, timed ones marked with *."""
    seen = []
    for _ in range(ns["CALIBRATION_CALLS"]):
        which, key = ns["_plan"](X, "_grad")
        seen.append(which + ("*" if key is not None else ""))
        if key is not None:
            ns["_record"](key, which, times[which].pop(0))
    return seen


@pytest.mark.parametrize(
    "one, two, kept",
    [
        ([1.0, 1.0, 1.0], [2.0, 2.0, 2.0], "one-pass"),
        ([2.0, 2.0, 2.0], [1.0, 1.0, 1.0], "two-pass"),
        ([0.97, 0.97, 0.97], [1.0, 1.0, 1.0], "two-pass"),  # within the margin: two-pass
        ([0.5, 9.0, 0.5], [1.0, 1.0, 1.0], "one-pass"),  # a call slowed by other work
        ([1.5, 1.5, 1.5], [3.0, 1.0, 9.0], "two-pass"),
    ],
    ids=["one-pass-faster", "two-pass-faster", "tie", "outlier", "outlier-other"],
)
def test_calibration_alternates_and_keeps_the_faster(one, two, kept):
    f = _fresh()
    X = np.zeros(NARROW)
    seen = _calibrate(f.namespace, X, {"one-pass": list(one), "two-pass": list(two)})
    # in pairs, the first guess first; the second call of each pair is timed
    assert seen == ["one-pass", "one-pass*", "two-pass", "two-pass*"] * 3
    assert f.schedule(X) == kept
    assert f.namespace["_plan"](X, "_grad") == (kept, None)  # decided: no more timing
    ((key, (schedule, ratio)),) = f.calibration().items()
    assert key == ("grad", 2, "float64", 11) and schedule == kept
    assert ratio == pytest.approx(min(one) / min(two))
    assert f.schedule(X, "loss") == "one-pass"  # another call calibrates on its own
    assert f.schedule(np.zeros((300_000, 10))) == "one-pass"  # another size class too


def test_a_choice_is_checked_again_at_powers_of_two():
    f = _fresh()
    ns, X = f.namespace, np.zeros(NARROW)
    _calibrate(ns, X, {"one-pass": [1.0, 1.0, 1.0], "two-pass": [2.0, 2.0, 2.0]})
    calls = ns["CALIBRATION_CALLS"]
    plans = [ns["_plan"](X, "_grad") for _ in range(calls, 70)]
    timed = {calls + i: p for i, p in enumerate(plans) if p[1] is not None}
    assert [(c, p[0]) for c, p in timed.items()] == [
        (33, "two-pass"),  # 32: the other schedule (not timed), 33 timed
        (35, "one-pass"),  # 34: the kept one again (not timed), 35 timed
        (65, "two-pass"),
        (67, "one-pass"),
    ]
    assert [p[0] for p in plans[32 - calls : 36 - calls]] == ["two-pass"] * 2 + ["one-pass"] * 2
    assert f.schedule(X) == "one-pass" == f.schedule(X)  # asking is not a call
    key = timed[33][1]
    for _ in range(2):  # the load has changed: two-pass is faster now
        ns["_record"](key, "two-pass", 0.5)
        ns["_record"](key, "one-pass", 1.5)
    assert f.schedule(X) == "two-pass"
    assert f.calibration()[("grad", 2, "float64", 11)] == ("two-pass", pytest.approx(2.0))


def test_calibrated_calls_agree_and_then_repeat_exactly():
    X, y, w, b = oracles.make_data(NARROW[0], NARROW[1], "pm1", seed=8)
    f = _fresh()
    want = oracles.oracle("logistic")(X, y, w, b)
    calls = f.namespace["CALIBRATION_CALLS"]
    for _ in range(calls):  # each call returns its real result, whichever schedule ran
        L, gw, gb = f.loss_and_grad(X, y, w, b)
        for got, ref in zip((L, gw, gb), want, strict=True):
            _close(got, ref, 1e-12)
    (key,) = f.calibration()
    assert key[0] == "loss_and_grad"
    again = [f.loss_and_grad(X, y, w, b) for _ in range(2)]
    for a, c in zip(*again, strict=True):
        np.testing.assert_array_equal(a, c)  # one schedule from now on


def test_small_forced_and_column_ordered_x_are_not_timed():
    X, y, w, b = oracles.make_data(NARROW[0], NARROW[1], "pm1", seed=9)
    f = _fresh()
    for _ in range(8):
        f.grad(X[:1000], y[:1000], w, b)  # 16 kB: two-pass without timing
        f.grad(np.asfortranarray(X), y, w, b)
        f.with_schedule("two-pass").grad(X, y, w, b)
    assert f.calibration() == {}
    assert f.schedule(X[:1000]) == "two-pass"


BAD_CALLS = [("unknown", "gradient"), ("private", "_grad"), ("coefficients", "coefficients")]


@pytest.mark.parametrize("call", [c for _, c in BAD_CALLS], ids=[i for i, _ in BAD_CALLS])
def test_schedule_of_an_unknown_call_is_refused(call):
    with pytest.raises(OptionError, match=f"unknown call '{call}'; use one of loss, grad"):
        derive("logistic").numpy().schedule(np.zeros((3, 2)), call)


def test_dask_and_other_arrays_take_two_passes():
    da = pytest.importorskip("dask.array")
    f = derive("logistic").numpy().with_schedule("one-pass")
    assert f.schedule(da.zeros((70_000, 10), chunks=(10_000, 10))) == "two-pass"


def test_unknown_schedule_is_refused():
    with pytest.raises(OptionError, match="unknown schedule 'three-pass'; use 'one-pass'"):
        derive("logistic").numpy().with_schedule("three-pass")


def test_floating_point_settings_reach_the_threads():
    """Pool threads run the blocks under the caller's np.errstate."""
    f = derive("logistic").numpy().with_schedule("one-pass", **SMALL_BLOCKS)
    X = np.ones((5_000, 4))
    seen = []

    def record(Xb):
        seen.append((threading.current_thread().name, np.geterr()["over"]))
        time.sleep(0.001)  # give every thread a chunk
        return (Xb.sum(),)

    with np.errstate(over="raise"):
        (total,) = f.namespace["_map_rows"](record, X, (), ())
    assert total == X.sum()
    assert any(name.startswith("gradproof") for name, _ in seen)
    assert {over for _, over in seen} == {"raise"}


def test_an_overflow_in_a_block_raises_under_errstate():
    X = np.full((5_000, 4), 300.0)  # exp(w·x) = exp(1200) overflows in every block
    f = derive(expr="exp(w·x)").numpy().with_schedule("one-pass", **SMALL_BLOCKS)
    with np.errstate(over="raise"), pytest.raises(FloatingPointError):
        f.grad(X, np.ones(5_000), np.ones(4), 0.0)
    with np.errstate(over="ignore"):
        gw, _ = f.grad(X, np.ones(5_000), np.ones(4), 0.0)
    assert np.all(np.isinf(gw))


def test_concurrent_calls_agree():
    X, y, w, b = oracles.make_data(20_000, 6, "pm1", seed=5)
    f = derive("logistic").numpy().with_schedule("one-pass", **SMALL_BLOCKS)
    want = f.grad(X, y, w, b)
    got = [None] * 4

    def run(i):
        got[i] = f.grad(X, y, w, b)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for g in got:
        np.testing.assert_array_equal(g[0], want[0])


# -- labels -------------------------------------------------------------------------------
BAD_LABELS = [
    ("two", [1.0, 2.0], "label 2 in row 2 is not −1 or +1"),
    ("zero-one", [0.0, 1.0], "labels look like 0/1: convert with y = 2*y - 1"),
    ("nan", [1.0, np.nan], "label nan in row 2"),
]


@pytest.mark.parametrize("y, words", [r[1:] for r in BAD_LABELS], ids=[r[0] for r in BAD_LABELS])
@pytest.mark.parametrize("call", ["loss", "grad", "loss_and_grad", "coefficients", "switches"])
def test_margin_losses_refuse_labels_outside_pm1(y, words, call):
    f = derive("logistic").numpy()
    with pytest.raises(DataError) as info:
        getattr(f, call)(np.ones((2, 3)), y, np.zeros(3), 0.0)
    assert words in str(info.value) and "\n" not in str(info.value)


def test_a_bad_label_far_into_y_is_found():
    X, y, w, b = oracles.make_data(200_000, 2, "pm1", seed=6)
    y[150_001] = 3.0
    with pytest.raises(DataError, match="label 3 in row 150002"):
        derive("hinge").numpy().grad(X, y, w, b)


def test_real_label_losses_take_any_label_and_exports_check_too():
    X, y, w, b = oracles.make_data(50, 3, "real", seed=7)
    derive("squared_error").numpy().grad(X, y, w, b)  # no error
    ns: dict = {}
    exec(export_module(derive("perceptron")), ns)  # noqa: S102 (gradproof's own output)
    with pytest.raises(ValueError, match="is not −1 or \\+1"):
        ns["grad"](np.ones((2, 3)), [1, 2], np.zeros(3), 0.0)


def test_numba_backend_without_numba_says_how_to_install(monkeypatch):
    import gradproof.numeric.compile as compile_module

    monkeypatch.setattr(compile_module, "numba_available", lambda: False)
    with pytest.raises(OptionError, match=r"pip install 'gradproof\[fast\]'"):
        compile_module.compile_derivation(derive("hinge"), backend="numba")


@pytest.mark.parametrize(
    "value, printed", [("two-pass", "two-pass {}"), ("calibrate", "one-pass {}")]
)
def test_the_environment_variable_sets_the_schedule_of_the_process(value, printed):
    import os
    import subprocess
    import sys

    code = (
        "import numpy as np; from gradproof import derive; f = derive('hinge').numpy(); "
        "X = np.zeros((300_000, 2)); f.grad(X, np.ones(300_000), np.zeros(2), 0.0); "
        "print(f.schedule(X), f.calibration())"
    )
    env = {**os.environ, "GRADPROOF_SCHEDULE": value}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == printed


def test_an_unknown_environment_schedule_is_refused_in_one_line():
    import os
    import subprocess
    import sys

    env = {**os.environ, "GRADPROOF_SCHEDULE": "three-pass"}
    # every call refuses it: numpy arrays, lists, a small X, the schedule asked, numba
    code = (
        "import numpy as np; from gradproof import derive, OptionError\n"
        "from gradproof.numeric import compile_derivation\n"
        "from gradproof.numeric.fused import numba_available\n"
        "f = derive('hinge').numpy()\n"
        "calls = [lambda: f.grad(np.zeros((4, 2)), np.ones(4), np.zeros(2), 0.0),\n"
        "         lambda: f.loss([[0.0, 1.0]], [1.0], [0.0, 0.0], 0.0),\n"
        "         lambda: f.schedule(np.zeros((4, 2)))]\n"
        "if numba_available():\n"
        "    g = compile_derivation(derive('hinge'), backend='numba')\n"
        "    calls += [lambda: g.grad(np.zeros((4, 2)), np.ones(4), np.zeros(2), 0.0),\n"
        "              lambda: g.schedule(np.zeros((4, 2)))]\n"
        "for call in calls:\n"
        "    try:\n        call()\n        print('accepted')\n"
        "    except OptionError as e:\n        print(e)"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert len(lines) >= 3 and set(lines) == {
        "GRADPROOF_SCHEDULE must be one-pass, two-pass or calibrate, got 'three-pass'; "
        "set one of these or unset it"
    }
    # the command line: one line, exit code 2, nothing written
    cli = [sys.executable, "-m", "gradproof", "derive", "hinge"]
    out = subprocess.run(cli, env=env, capture_output=True, text=True)
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert "GRADPROOF_SCHEDULE must be one-pass, two-pass or calibrate" in out.stderr
    assert out.stdout == ""


def test_the_schedule_asked_is_the_one_of_the_converted_x():
    f = derive("logistic").numpy().with_schedule(None)
    X = np.zeros((300_000, 10), dtype=np.int8)  # 3 MB as given, 24 MB as float64
    assert f.schedule(X) == "one-pass" == f.schedule(X.astype(np.float64))

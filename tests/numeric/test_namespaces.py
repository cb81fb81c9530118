"""Other NumPy-compatible array libraries (optional: skipped where they are not installed;
CI does not install them)."""

from __future__ import annotations

import numpy as np
import pytest
from oracles import ORACLES

from gradproof import derive
from gradproof.symbolic.losses import LOSSES


@pytest.mark.parametrize("name", list(LOSSES))
def test_jax_numpy_namespace_agrees_with_independent_numpy(name):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jnp = jax.numpy
    rng = np.random.default_rng(5)
    X = rng.normal(size=(10_000, 4))
    y = (
        rng.choice([-1.0, 1.0], size=10_000)
        if LOSSES[name].labels == "pm1"
        else rng.normal(size=10_000)
    )
    w, b = rng.normal(size=4), 0.3
    f = derive(name).numpy().on(jnp)
    L, gw, gb = f.loss_and_grad(jnp.asarray(X), jnp.asarray(y), jnp.asarray(w), b)
    assert isinstance(gw, jax.Array)
    want = ORACLES[name](X, y, w, b)
    np.testing.assert_allclose(float(L), want[0], rtol=1e-12)
    np.testing.assert_allclose(np.asarray(gw), want[1], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(float(gb), want[2], rtol=1e-12, atol=1e-12)

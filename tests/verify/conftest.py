"""Fixtures of the verify tests: the independent gradients of tests/verify_oracles.py."""

from __future__ import annotations

import pytest
from verify_oracles import hand_gradient, problem


@pytest.fixture(scope="session")
def hand():
    return hand_gradient


@pytest.fixture(scope="session")
def make_problem():
    return problem

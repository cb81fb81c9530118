"""A plain `pip install gradproof` (no extras) derives, checks and writes: the optional
libraries (hypothesis, matplotlib, numba, dask) are imported only where they are used."""

from __future__ import annotations

import subprocess
import sys
import textwrap

OPTIONAL = ("hypothesis", "matplotlib", "numba", "dask", "scipy", "markdown_it", "mdit_py_plugins")


def test_the_main_job_runs_without_the_optional_libraries():
    code = textwrap.dedent(
        f"""
        import sys
        for name in {OPTIONAL!r}:
            sys.modules[name] = None  # import of it raises ImportError
        import gradproof
        from click.testing import CliRunner
        from gradproof.cli import cli
        res = CliRunner().invoke(cli, ["derive", "perceptron"])
        assert res.exit_code == 0, res.output
        assert "∂L/∂w" in res.output
        assert gradproof.check_gradient("hinge").passed
        try:
            gradproof.check_gradient("hinge", search=True)
        except gradproof.OptionError as exc:
            assert "pip install 'gradproof[search]'" in str(exc), exc
        else:
            raise AssertionError("search=True without hypothesis did not say what to install")
        print("ok")
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().endswith("ok")

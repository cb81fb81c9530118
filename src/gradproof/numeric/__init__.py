"""The numeric layer: derived gradients compiled to fast functions.

``derive(...).numpy()`` (:func:`compile_derivation`) gives a :class:`CompiledLoss` with
``loss``, ``grad`` and ``loss_and_grad`` in vectorised numpy;
``compile_derivation(d, backend="numba")`` or ``f.with_backend("numba")`` the same functions
as one fused compiled loop (``pip install 'gradproof[fast]'``); :func:`export_module` writes
the numpy functions as a standalone module that needs only numpy. Importing this package
registers :func:`compile_derivation` as what ``Derivation.numpy()`` calls (the symbolic layer
does not import this one). ``gradproof.derive`` lives in :mod:`gradproof.numeric.derive`.
"""

from gradproof.numeric.compile import CompiledLoss, check_arrays, clear_cache, compile_derivation
from gradproof.numeric.export import export_module, write_module
from gradproof.numeric.model import CompiledModel, compile_model
from gradproof.numeric.network import CompiledNetwork, compile_network
from gradproof.symbolic.derivation import register_compiler
from gradproof.symbolic.model_derivation import register_model_compiler
from gradproof.symbolic.network_derivation import register_network_compiler

register_compiler(compile_derivation)
register_model_compiler(compile_model)
register_network_compiler(compile_network)

__all__ = [
    "CompiledLoss",
    "CompiledModel",
    "CompiledNetwork",
    "compile_network",
    "compile_derivation",
    "compile_model",
    "check_arrays",
    "clear_cache",
    "export_module",
    "write_module",
]

"""numpy-only recurrences for every model of the zoo.

The same files run in CPython (tests, build-time figures) and in the browser under Pyodide.
Each model module exposes ``inputs``, ``recurrent``, ``mixing_matrix`` and, where they exist,
``parallel``, ``chunked`` and ``states``; :mod:`kernels_wasm.api` is the one entry point callers use.
"""

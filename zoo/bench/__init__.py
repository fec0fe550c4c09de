"""GPU benchmark harness: every zoo model on its best public kernel, timed and checked on one CUDA device.

    catalog.py   which kernel stands for which model, read from each model's gpu_kernel block in models.yaml
    wasm.py      the float64 reference: the site's kernels_wasm modules on every slice of a kernel's inputs
    adapters/    one module per family: draw inputs, call the kernel, map its inputs for the reference,
                 one decoding step
    measure.py   the measuring loop (check -> sweep -> decode) over an abstract backend
    worker.py    one subprocess per kernel family: the torch backend, calibration, provenance
    runner.py    the parent: time limits, crashes, parallel warm-up, one result document
    results.py   merging partial files, schema validation, crossovers and TFLOP/s
    flops.py     the FLOPs and bytes of each kernel's algorithm (achieved rates, the roofline figure)

Nothing here imports torch, triton or the kernel packages at module level except adapters/ and the
functions of worker.py, which only run inside `python -m zoo.bench` on a CUDA machine.
"""

"""MQAR (multi-query associative recall) trained on one GPU, the Zoology protocol, across the zoo's mixers.

    data.py      MQAR batches exactly as Zoology draws them, on numpy (tests) or torch (GPU)
    mixers.py    which trainable layer stands for each zoo model, and the sizes it is built with
    state.py     state size of a trained layer, from the registry's block memory spec (zoo.memory)
    plan.py      the sweep: points, learning rates, trials, jobs
    runner.py    the parent: a pool of worker subprocesses on one GPU, deadline, one result document
    worker.py    one subprocess: trains its trials one after another, writes a part file after each
    model.py     torch: the two-layer model (Zoology's recipe) and the mixers written here (SDPA, Hyena)
    train.py     torch: one training (AdamW, cosine schedule, MQAR batches drawn on the GPU)
    gradcheck.py torch: a layer's gradients against finite differences of its forward, before it trains
    fake.py      a deterministic stand-in for train.py and gradcheck.py, for the CPU tests
    results.py   merging, best of the learning-rate sweep (trained and checked trials only), validation,
                 summary

Nothing here imports torch, triton or fla at module level except model.py, train.py and gradcheck.py,
which only run inside a worker of `python -m zoo.recall` on a CUDA machine.
"""

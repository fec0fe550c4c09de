"""The Attention Zoo: registry, site generation, figures, CLI and the GPU benchmark harness.

No heavy imports at module top level: torch and friends are only imported by ``zoo.bench`` when it runs.
"""

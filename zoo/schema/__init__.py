"""The registry's schema and every rule it is held to, in one package.

models.py    pydantic classes for models.yaml (the JSON Schema in schema/ is generated from them)
blocks.py    the block spec language (one layer block per model, hybrid stacks)
problems.py  the error format `models.yaml:LINE: model 'ID': what is wrong; what is expected`
checks.py    every rule that spans fields, models or files, each a named check (load and validate tiers)
"""

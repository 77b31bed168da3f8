"""The eval suite: a gold question set, metrics computed without an LLM judge, and the CI gate.

Run it with `rag eval`; definitions of every metric are in evals/README.md.
"""

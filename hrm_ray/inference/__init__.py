"""Scoring trained models: loading a model folder, chunks and windows, length buckets, precision, batch scoring.

Nothing here imports training code: a Serve replica loads only what inference needs.
"""

"""Hyperparameter search with Ray Tune over the Ray Train runs of `hrm train` (`hrm tune`, jobs/tune.py)."""

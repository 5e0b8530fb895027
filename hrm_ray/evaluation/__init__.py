"""Scoring a model against labelled data: the metrics of each kind, `hrm evaluate`, the fast-path gate."""

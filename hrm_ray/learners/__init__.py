"""The learners beside the transformer: what a kind offers as `--learner` (trees, TF-IDF, CRF), and their files."""

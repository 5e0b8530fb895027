"""Training: Ray Train's TorchTrainer (HF Trainer + DeepSpeed inside) or XGBoostTrainer for tabular tasks."""

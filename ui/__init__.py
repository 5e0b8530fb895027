"""The Gradio front end of hrm-ray: a client of the Serve HTTP API (and of the Ray Jobs API for training)."""

"""Ray Serve: one deployment per task model, an encoder for fit scores, and the FastAPI ingress that composes them.

    app.py          build_app(args): the application `serve run` / `serve deploy` / `hrm serve` start
    settings.py     the typed settings of the app (YAML `args`) and of each model deployment (`user_config`)
    task_model.py   the generic task-model deployment (batched, version swap through user_config)
    encoder.py      sentence embeddings for job-resume fit until a matching model exists
    schemas.py      the pydantic bodies of every route
    pipelines.py    the composed pipelines (candidate screening, employee insights)
    ingress.py      the HTTP API: routes, limits, auth
"""

"""The hrm-ray web front end: a Gradio Blocks app over the Serve HTTP API.

    hrm ui --api http://127.0.0.1:8000 [--token T] [--jobs http://127.0.0.1:8265] [--port 7860]

Tabs: Candidate screening, Employee insights, Models, Train. Every model call goes through the API
(ui/client.py), so the page shows exactly what an HR system calling the API would get.
"""

from __future__ import annotations

from pathlib import Path

import gradio as gr
import pandas as pd

from hrm_ray.backbones import e5 as e5_backbone
from hrm_ray.config import TrainConfig
from hrm_ray.backbones import PACKAGED
from hrm_ray.tasks import TASKS, get_task
from ui.client import ApiClient, ApiError
from ui.extract import SUPPORTED, ExtractionError, extract_text
from ui.insights import CsvError, employees_from_csv, score_all
from hrm_ray.console import strip_ansi
from ui.job_logs import CURVE_COLUMNS, is_plotted, progress_points
from ui.jobs import Finetune, follow, learners, shell_command, stop, submit_finetune
from ui.uploads import CACHE_CLEANUP, discard_uploads, upload_path

RESUME_SEPARATOR = "---"
MAX_TEXT_CHARS = 20_000  # the API's default max_text_chars
# What hrm_ray/pii.py removes before a resume is shown; names are not (the patterns cannot tell them apart).
REDACTED = "names, e-mails, phones, places, URLs"
MODELS = [*PACKAGED, *e5_backbone.VARIANTS]  # the packaged backbones; a Hugging Face id or a folder may be typed
DEEPSPEED_STAGES = [("0: plain DDP", 0), ("ZeRO-2", 2), ("ZeRO-3", 3)]
NO_CLUSTER = "http://HEAD:8265"  # shown in the command when the UI was started without --jobs
MAX_LOG_CHARS = 20_000
SENTIMENT_COLORS = {"negative": "#d64545", "neutral": "#f0b429", "positive": "#3f9142"}
CSS = ".hrm-banner {background:#fff4e5;border:1px solid #f0b429;border-radius:8px;padding:8px 12px}"


# ---- candidate screening ----

def collect_resumes(pasted: str, files: list | None) -> tuple[list[dict], list[str]]:
    """Resumes from the text box (separated by lines of ---) and uploaded files; notes for the page."""
    resumes, notes = [], []
    for number, text in enumerate(t.strip() for t in (pasted or "").split(f"\n{RESUME_SEPARATOR}\n")):
        if text:
            resumes.append({"id": f"pasted {number + 1}", "text": text})
    for file in files or []:
        path = upload_path(file)
        resumes.append({"id": path.rsplit("/", 1)[-1], "text": extract_text(path)})
    for resume in resumes:
        if len(resume["text"]) > MAX_TEXT_CHARS:
            notes.append(f"{resume['id']}: only the first {MAX_TEXT_CHARS:,} characters were screened")
            resume["text"] = resume["text"][:MAX_TEXT_CHARS]
    return resumes, notes


def screen(client: ApiClient, title: str, description: str, pasted: str, files) -> tuple[pd.DataFrame, str, None]:
    """The ranked table and a note; the uploads are deleted once read, and the file list emptied to match."""
    if not (title or "").strip() or not (description or "").strip():
        raise gr.Error("Enter the job title and description.")
    try:
        resumes, notes = collect_resumes(pasted, files)
    except ExtractionError as error:  # uploads stay, so that the user can remove the bad file and go again
        raise gr.Error(str(error)) from None
    discard_uploads(files)
    if not resumes:
        raise gr.Error(f"Paste resumes (separated by a line of {RESUME_SEPARATOR}) or upload {', '.join(SUPPORTED)} files.")
    try:
        answer = client.screen({"title": title.strip(), "description": description.strip()}, resumes)
    except ApiError as error:
        raise gr.Error(str(error)) from None
    rows = [{
        "Rank": c["rank"],
        "Candidate": c["id"],
        "Language": c["language"],
        "Fit score": round(c["fit_score"], 3),
        "Category": c["category"] or "-",
        "Top categories": ", ".join(f"{k} {v:.0%}" for k, v in c["probabilities"].items()),
        **profile_columns(c["profile"]),
        f"Resume ({REDACTED} redacted)": c["redacted_text"][:400],
    } for c in answer["candidates"]]
    models = ", ".join(f"{m['task']} {m['version']}" for m in answer["models"].values())
    note = "\n".join([f"Screened {len(rows)} resume(s) with {models or 'no task model'}.", *notes])
    return pd.DataFrame(rows), note, None


def profile_columns(profile: dict) -> dict:
    """The parsed profile as table cells (empty where the parser found nothing)."""
    years = profile.get("years_of_experience")
    return {
        "Title": profile.get("title") or "",
        "Companies": ", ".join(profile.get("companies") or []),
        "Education": ", ".join(v for v in (profile.get("degree"), profile.get("college")) if v),
        "Skills": ", ".join((profile.get("skills") or [])[:8]),
        "Years": "" if years is None else f"{years:g}",
    }


# ---- employee insights ----

def insights(client: ApiClient, csv_file) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, None]:
    """The employee table, the two plots' data and the department table; the CSV is deleted once read."""
    if csv_file is None:
        raise gr.Error("Upload a CSV of employees.")
    try:
        employees = employees_from_csv(upload_path(csv_file))
    except CsvError as error:
        raise gr.Error(str(error)) from None
    discard_uploads([csv_file])
    try:
        answer = score_all(client, employees)
    except ApiError as error:
        raise gr.Error(str(error)) from None
    people = pd.DataFrame([{
        "ID": e["id"],
        "Department": e["department"],
        "Attrition risk": e.get("attrition_risk"),
        "Predicted rating": e.get("performance_rating"),
        "Feedback sentiment": (e.get("sentiment") or {}).get("label"),
        "Notes": "; ".join(e.get("notes", [])),
    } for e in answer["employees"]])
    sentiment = pd.DataFrame([{"Department": d["department"], "Sentiment": label, "Feedback texts": n}
                              for d in answer["departments"] for label, n in d["sentiment"].items()],
                             columns=["Department", "Sentiment", "Feedback texts"])
    risks = people["Attrition risk"].dropna()
    bands = pd.cut(risks, bins=[0, 0.2, 0.4, 0.6, 0.8, 1.0001], right=False,
                   labels=["0-20%", "20-40%", "40-60%", "60-80%", "80-100%"])
    risk = bands.value_counts(sort=False).rename_axis("Attrition risk").reset_index(name="Employees")
    risk["Attrition risk"] = risk["Attrition risk"].astype(str)
    departments = pd.DataFrame([{
        "Department": d["department"], "Employees": d["employees"], "Mean attrition risk": d["mean_attrition_risk"],
        "High risk (>= 50%)": d["high_risk"], "Ratings": ", ".join(f"{k}: {v}" for k, v in sorted(d["ratings"].items())),
    } for d in answer["departments"]])
    return people, sentiment, risk, departments, None


# ---- models ----

def registered(client: ApiClient) -> tuple[pd.DataFrame, dict]:
    try:
        models = client.registry()
        served = {(m["task"], m["version"]): m for m in client.served_models()}
    except ApiError as error:
        raise gr.Error(str(error)) from None
    rows = []
    for m in models:
        metrics = m["metrics"] or {}
        rows.append({
            "Task": m["task"], "Version": m["version"], "Latest": "yes" if m["latest"] else "",
            "Served": served[(m["task"], m["version"])]["precision"] if (m["task"], m["version"]) in served else "",
            "Test macro-F1": _round(metrics.get("macro_f1")), "Test accuracy": _round(metrics.get("accuracy")),
            "Test ROC-AUC": _round(metrics.get("roc_auc")), "Test rows": metrics.get("n"),
        })
    choices = [f"{m['task']}/{m['version']}" for m in models]
    return pd.DataFrame(rows), gr.update(choices=choices, value=choices[-1] if choices else None)


def _round(value):
    return None if value is None else round(value, 4)


def training_curve(client: ApiClient, choice: str | None) -> pd.DataFrame:
    if not choice:
        return pd.DataFrame(columns=CURVE_COLUMNS)
    task, version = choice.split("/", 1)
    try:
        log = client.training_log(task, version)
    except ApiError:
        return pd.DataFrame(columns=CURVE_COLUMNS)
    points = []
    for entry in log:
        step = entry.get("epoch", entry.get("round"))
        points += [{"Step": step, "Value": value, "Series": key} for key, value in entry.items()
                   if isinstance(value, (int, float)) and is_plotted(key)]
    return pd.DataFrame(points, columns=CURVE_COLUMNS)


# ---- train ----

def task_defaults(task: str) -> tuple[dict, dict, float, float]:
    """The learner (and the learners there are), backbone, epochs and learning rate `hrm train TASK` would use."""
    spec = get_task(task)
    return (gr.update(choices=learners(task), value=spec.default_learner), gr.update(value=spec.default_model),
            spec.default_epochs, spec.default_lr)


def transformer_settings(learner: str) -> list[dict]:
    """Model, learning rate, epochs and DeepSpeed are a transformer's settings; XGBoost has none of them."""
    return [gr.update(interactive=learner == "transformer")] * 4


def finetune(data_dir: str, models_dir: str, task: str, learner: str, model: str | None, lr: float | None,
             epochs: float | None, deepspeed: int, rows: float | None) -> Finetune:
    """The Train tab's choices as a fine-tune; a setting the learner needs that is empty is an error naming it."""
    needed = {"Training rows": rows}
    if learner == "transformer":
        needed |= {"Learning rate": lr, "Epochs": epochs}
        if not (model or "").strip():
            raise gr.Error("Choose a model, or type a Hugging Face id or a model folder.")
    for label, value in needed.items():
        if value is None or value <= 0:
            raise gr.Error(f"{label} must be a positive number.")
    return Finetune(task=task, learner=learner, model=(model or "").strip(), lr=lr, epochs=epochs,
                    deepspeed=int(deepspeed), max_train_samples=int(rows), data_dir=data_dir, output=models_dir)


def preview(jobs_address: str | None, data_dir: str, models_dir: str, *choices) -> str:
    """The command the Start button will submit, or (as a shell comment) why it cannot yet."""
    try:
        return shell_command(jobs_address or NO_CLUSTER, finetune(data_dir, models_dir, *choices))
    except gr.Error as error:
        return f"# {error.message}"


def job_view(logs: str) -> tuple[str, pd.DataFrame]:
    """The log box's text and the live curve's points, from the job's logs so far."""
    return strip_ansi(logs)[-MAX_LOG_CHARS:], pd.DataFrame(progress_points(logs), columns=CURVE_COLUMNS)


def train(jobs_address: str | None, run: Finetune):
    """Submit the fine-tune and stream (job id while it runs, status, curve, logs) until it ends."""
    if not jobs_address:
        raise gr.Error("No Ray cluster address for jobs: start the UI with --jobs (hrm demo does).")
    try:
        job_id = submit_finetune(jobs_address, run)
    except Exception as error:  # the Jobs API reports connection and auth problems as plain exceptions
        raise gr.Error(f"could not submit the job to {jobs_address}: {error}") from None
    for status, logs in follow(jobs_address, job_id):
        logs_text, curve = job_view(logs)
        yield job_id, f"Job {job_id}: {status}", curve, logs_text
    done = "finished: the new model is listed under Models (press Refresh)" if status == "SUCCEEDED" else status
    yield None, f"Job {job_id}: {done}", curve, logs_text


def stop_job(jobs_address: str | None, job_id: str | None) -> None:
    if not job_id:
        raise gr.Error("No fine-tune is running.")
    try:
        stop(jobs_address, job_id)
    except Exception as error:  # as in train(): connection and auth problems come as plain exceptions
        raise gr.Error(f"could not stop job {job_id}: {error}") from None
    gr.Info(f"Stopping job {job_id}: its status changes to STOPPED once Ray has ended it.")


def train_tab(jobs_address: str | None, data_dir: str, models_dir: str) -> None:
    """Choices, the command they make, Start and Stop, and the running job's curve and logs (as LlamaBoard)."""
    first, defaults = next(iter(TASKS)), TrainConfig()
    spec = get_task(first)
    transformer = spec.default_learner == "transformer"
    gr.Markdown("Fine-tune a task model as a Ray job on the cluster. The command is the job the Start button "
                "submits (run it from a shell to do the same); the curve and logs follow the running job.")
    with gr.Row():
        task = gr.Dropdown(list(TASKS), value=first, label="Task")
        learner = gr.Dropdown(learners(first), value=spec.default_learner, label="Learner")
        rows = gr.Number(400, label="Training rows (a stratified slice)", precision=0, minimum=1)
    with gr.Row():
        model = gr.Dropdown(MODELS, value=spec.default_model, label="Model", allow_custom_value=True,
                            interactive=transformer, info="packaged, or type a Hugging Face id or a model folder")
        lr = gr.Number(spec.default_lr, label="Learning rate", interactive=transformer)
        epochs = gr.Number(spec.default_epochs, label="Epochs", interactive=transformer)
        deepspeed = gr.Radio(DEEPSPEED_STAGES, value=defaults.deepspeed, label="DeepSpeed", interactive=transformer)
    settings = [task, learner, model, lr, epochs, deepspeed, rows]
    command = gr.Code(language="shell", label="Command", interactive=False, wrap_lines=True, lines=2,
                      elem_id="train-command")
    with gr.Row():
        start_button = gr.Button("Start fine-tune", variant="primary")
        stop_button = gr.Button("Stop", variant="stop", elem_id="stop-job")
    job_id = gr.State(None)
    job_status = gr.Markdown()
    curve = gr.LinePlot(x="Step", y="Value", color="Series", title="Loss and validation metrics of the running job",
                        x_title="epoch (transformer) / boosting round (trees)", elem_id="job-curve")
    logs = gr.Textbox(label="Job logs", lines=16, max_lines=16, autoscroll=True)

    task.change(task_defaults, task, [learner, model, epochs, lr])
    learner.change(transformer_settings, learner, [model, lr, epochs, deepspeed])
    # No triggers: on page load and on every change of a setting, so the command is always the current one.
    gr.on(None, lambda *c: preview(jobs_address, data_dir, models_dir, *c), settings, command)
    start_button.click(lambda *c: (yield from train(jobs_address, finetune(data_dir, models_dir, *c))),
                       settings, [job_id, job_status, curve, logs])
    stop_button.click(lambda j: stop_job(jobs_address, j), job_id, None)


# ---- the page ----

def build(api_url: str, token: str | None = None, jobs_address: str | None = None, data_dir: str = "",
          models_dir: str = "models", synthetic: bool = False) -> gr.Blocks:
    client = ApiClient(api_url, token)
    # Absolute: the job runs in its own copy of the checkout (its working dir), where relative paths differ.
    models_dir = str(Path(models_dir).resolve())
    data_dir = str(Path(data_dir).resolve()) if data_dir else ""
    with gr.Blocks(title="hrm-ray", delete_cache=CACHE_CLEANUP) as page:
        gr.Markdown("# hrm-ray · HR models\nScreen candidates, understand your workforce, and keep the models fresh.")
        if synthetic:
            gr.Markdown("**Synthetic demo data.** These models were trained on a small generated sample, not on "
                        "real HR records: their answers show how the tool works, not real predictions. Set "
                        "`HRM_DATA_DIR` and rerun `make demo` to train on real data.", elem_classes="hrm-banner")

        with gr.Tab("Candidate screening"):
            with gr.Row():
                with gr.Column():
                    title = gr.Textbox(label="Job title", placeholder="Staff Accountant")
                    description = gr.Textbox(label="Job description", lines=8,
                                             placeholder="Responsibilities, skills, experience...")
                with gr.Column():
                    pasted = gr.Textbox(label=f"Resumes (paste; separate resumes with a line of {RESUME_SEPARATOR})",
                                        lines=8)
                    files = gr.File(label="Or upload resumes (.txt, .pdf, .docx)", file_count="multiple",
                                    file_types=list(SUPPORTED))
            gr.Markdown("English and Chinese resumes are parsed by the resume parser of their language into a profile "
                        f"(title, companies, education, skills, years), and shown with {REDACTED} replaced by tags "
                        "such as [NAME] and [EMAIL]. Uploaded files are deleted from the server once read.")
            screen_button = gr.Button("Screen candidates", variant="primary")
            screen_note = gr.Markdown()
            ranked = gr.Dataframe(label="Candidates ranked by fit", wrap=True, interactive=False, elem_id="ranked")
            screen_button.click(lambda *a: screen(client, *a), [title, description, pasted, files],
                                [ranked, screen_note, files])

        with gr.Tab("Employee insights"):
            gr.Markdown("Upload a CSV: `id`, optional `department`, optional `feedback` (texts separated by ` || `), "
                        "and HR columns of the attrition (IBM) or performance (INX) tables.")
            csv_file = gr.File(label="Employees CSV", file_types=[".csv"], elem_id="employees-csv")
            insights_button = gr.Button("Score employees", variant="primary")
            people = gr.Dataframe(label="Employees", interactive=False, elem_id="employees")
            with gr.Row():
                sentiment_plot = gr.BarPlot(x="Department", y="Feedback texts", color="Sentiment",
                                            title="Feedback sentiment by department", color_map=SENTIMENT_COLORS)
                risk_plot = gr.BarPlot(x="Attrition risk", y="Employees", title="Attrition risk distribution")
            departments = gr.Dataframe(label="By department", interactive=False)
            insights_button.click(lambda f: insights(client, f), [csv_file],
                                  [people, sentiment_plot, risk_plot, departments, csv_file])

        with gr.Tab("Models") as models_tab:
            refresh = gr.Button("Refresh")
            model_table = gr.Dataframe(label="Registered models", interactive=False, elem_id="registered-models")
            choice = gr.Dropdown(label="Training curve of", choices=[])
            curve = gr.LinePlot(x="Step", y="Value", color="Series", title="Training curve",
                                x_title="epoch (transformer) / boosting round (trees)", elem_id="training-curve")
            refresh.click(lambda: registered(client), None, [model_table, choice])
            models_tab.select(lambda: registered(client), None, [model_table, choice])
            choice.change(lambda c: training_curve(client, c), [choice], [curve])

        with gr.Tab("Train"):
            train_tab(jobs_address, data_dir, models_dir)
    return page


def launch(page: gr.Blocks, port: int = 7860, block: bool = True):
    return page.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=not block,
                       theme=gr.themes.Soft(), css=CSS, show_error=True, quiet=True)

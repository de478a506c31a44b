# telemetry.stack developer entry points. Every target works on a fresh
# machine: it installs or builds what it needs (venv, Docker engine, images).
#
#   make demo     the main job: deploy into fresh containers and report
#   make test     every test: lint, unit and Molecule
#
# Others: make help
SHELL := /bin/bash
.DEFAULT_GOAL := help

S ?=

.PHONY: help demo bench bench-fleet demo-down test lint unit mirror mirror-serve mirror-stop molecule scenario build venv engine images clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

demo: ## The main job: deploy into fresh containers and say what happened
	@scripts/demo.sh

bench: ## The pipeline benchmark on the demo's hosts (docs/benchmarks.md); about 25 minutes after the demo
	@scripts/bench-pipeline.sh

bench-fleet: ## site.yml over SSH on 1 gateway, 1 backend and N agents, N = 3, 10, 30 (docs/benchmarks.md); about 40 minutes
	@scripts/bench-fleet.sh

demo-down: ## Remove the demo containers
	@scripts/demo.sh down

test: ## Every test: lint, unit, the artifact mirror and all Molecule scenarios
	@scripts/test.sh all

lint: ## yamllint, ansible-lint (production profile) and ansible-test sanity
	@scripts/test.sh lint

unit: ## pytest tests/unit
	@scripts/test.sh unit

mirror: ## Build the offline artifact mirror (cached) and test its programs
	@scripts/test.sh mirror

mirror-serve: ## Serve the mirror on http://127.0.0.1:18089 (mirror-stop stops it)
	@scripts/in-venv.sh python3 scripts/mirror/mirror_server.py start

mirror-stop: ## Stop the mirror server
	@scripts/in-venv.sh python3 scripts/mirror/mirror_server.py stop

molecule: ## All Molecule scenarios
	@scripts/test.sh molecule

scenario: ## One Molecule scenario: make scenario S=smoke
	@test -n "$(S)" || { echo "usage: make scenario S=<name>  (one of: $$(ls molecule | grep -v '\.yml$$' | tr '\n' ' '))"; exit 2; }
	@scripts/test.sh molecule $(S)

build: ## Build the collection tarball into ./telemetry-stack-<version>.tar.gz
	@scripts/in-venv.sh ansible-galaxy collection build --force .

venv: ## Create the cached Python venv with the pinned tooling
	@scripts/venv.sh

engine: ## Make sure a Docker engine runs (installs docker.io if needed)
	@scripts/ensure-docker.sh

images: ## Build the Debian 12/13 systemd test images (cached)
	@scripts/build-images.sh

clean: ## Remove build output and Molecule state in this checkout (not the caches)
	rm -rf telemetry-stack-*.tar.gz .pytest_cache molecule/*/.molecule

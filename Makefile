# openlakes.core: `make lab` runs the platform in the embedded lab, `make test` runs every test tier.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV        := .venv
PY          := $(VENV)/bin/python
BIN         := $(VENV)/bin
REQ_STAMP   := $(VENV)/.installed-$(shell cat requirements/*.txt | sha256sum | cut -c1-12)
COLL_LINK   := .build/collections/ansible_collections/openlakes/core

export CONTAINERS_CONF := $(CURDIR)/lab/podman/containers.conf
export ANSIBLE_CONFIG  := $(CURDIR)/ansible.cfg
export PATH            := $(CURDIR)/$(BIN):$(PATH)
export PYTHONPATH      := $(CURDIR)/lab
export KUBECONFIG      := $(CURDIR)/.lab/kubeconfig
export ANSIBLE_HOME    := $(CURDIR)/.build/ansible-home
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/.build/collections

.PHONY: help deps lab lab-up lab-down lab-status test lint sanity unit datapath molecule integration bench bench-hosts docs image-spark

help:
	@echo "make lab       bring up the lab (3 hosts + cluster) and run playbooks/site.yml against it"
	@echo "make test      every test tier: lint, sanity, unit, molecule, lab integration"
	@echo "make lab-down  stop and remove everything the lab started"
	@echo "make datapath  real PostgreSQL, MinIO, mc, Nessie, pyiceberg, Trino and Spark fed the generated configuration"
	@echo "make bench     release-module and no-op site.yml benchmarks on the lab (prints figures)"
	@echo "make bench-hosts  the no-op host plays against fact gathering, on molecule's node_prep hosts"
	@echo "make image-spark REGISTRY=registry.example.com  build (and push) the collection's Spark image (images/spark)"

deps: $(REQ_STAMP) $(COLL_LINK)
	@lab/install-host-packages.sh

$(REQ_STAMP): requirements/controller.txt requirements/test.txt
	python3 -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements/test.txt
	touch $@

$(COLL_LINK):
	mkdir -p $(dir $@)
	ln -sfn $(CURDIR) $@

lab-up: deps
	$(PY) -m openlakes_lab up

lab: lab-up
	$(BIN)/ansible-playbook playbooks/site.yml -i inventories/lab/hosts.yml

lab-down:
	@if [ -x $(PY) ]; then $(PY) -m openlakes_lab down; else echo "nothing to stop (no venv)"; fi

lab-status: deps
	$(PY) -m openlakes_lab status

test: deps
	tests/run-all.sh

lint: deps
	tests/run-all.sh lint

sanity: deps
	tests/run-all.sh sanity

unit: deps
	tests/run-all.sh unit

datapath: deps
	tests/run-all.sh datapath

molecule: deps
	tests/run-all.sh molecule

integration: deps
	tests/run-all.sh integration

bench: deps
	$(PY) bench/releases.py
	$(PY) bench/site_noop.py

bench-hosts: deps
	$(PY) bench/site_noop.py --molecule

# The collection's own images (images/<name>): built where a registry is at hand, pushed when REGISTRY is set.
image-%:
	images/build.sh $* $(if $(REGISTRY),--push)

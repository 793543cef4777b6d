# chatstream: every workflow lives here. `make` alone lists the targets.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

GO       ?= go
GOARCH   ?= arm64
BIN_DIR  ?= bin
GOFLAGS_LAMBDA := -tags lambda.norpc -trimpath -ldflags "-s -w"
# Named explicitly: ./... would also walk node_modules, where the CDK CLI ships Go templates.
PKGS     ?= $(foreach d,lambda sql infra cmd internal,$(if $(wildcard $(d)),./$(d)/...))

.PHONY: help
help: ## Show this help
	@awk 'BEGIN {FS = ":.*?## "} /^[a-zA-Z_-]+:.*?## / {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: build
build: ## Build the producer Lambda as $(BIN_DIR)/producer/bootstrap (linux/$(GOARCH))
	GOOS=linux GOARCH=$(GOARCH) CGO_ENABLED=0 $(GO) build $(GOFLAGS_LAMBDA) -o $(BIN_DIR)/producer/bootstrap ./lambda/producer
	@ls -l $(BIN_DIR)/producer/bootstrap | awk '{printf "%s: %.1f MiB\n", $$NF, $$5/1048576}'

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

.PHONY: deps
deps: node_modules/.package-lock.json ## Install the pinned Node tools (CDK CLI, kinesis-local)

.PHONY: lint
lint: ## gofmt, go vet and staticcheck
	@out=$$(find . -name '*.go' -not -path './node_modules/*' -not -path './cdk.out/*' | xargs gofmt -l); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) tool staticcheck $(PKGS)

.PHONY: test
test: deps lint ## Run every test (unit, integration, CDK assertions)
	$(GO) test -count=1 $(PKGS)

.PHONY: bench
bench: ## Run the benchmarks
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

# Streaming-ingestion DDL and analytics queries: sql/ and cmd/query.
ENV ?= staging
Q   ?=

.PHONY: sql
sql: ## Print the streaming-ingestion DDL for ENV (ROLE_ARN=arn… or FROM_STACK=1 for the real role)
	@$(GO) run ./cmd/query ddl -env '$(ENV)' $(if $(ROLE_ARN),-role-arn '$(ROLE_ARN)') $(if $(FROM_STACK),-from-stack)

.PHONY: query
query: ## Run sql/queries/<Q>.sql on the deployed ENV workgroup and print a table
	@if [ -z '$(Q)' ]; then echo "usage: make query ENV=$(ENV) Q=<name>, one of:"; $(GO) run ./cmd/query list; exit 2; fi
	@$(GO) run ./cmd/query run -env '$(ENV)' -q '$(Q)'

# chatstream: every workflow lives here. `make` alone lists the targets.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

GO       ?= go
GOARCH   ?= arm64
BIN_DIR  ?= bin
GOFLAGS_LAMBDA := -tags lambda.norpc -trimpath -ldflags "-s -w"

# make help lists each target that has a "## description", and under it the
# variables its recipe reads, directly or through other variables, with their
# defaults: every variable set with ?= is one, except the tools in HELP_HIDE.
# Colour only on a terminal, and never with NO_COLOR set.
HELP_HIDE := GO CDK CDK_FLAGS
define HELP_AWK
function refs(text, into,   rest, name) {
	rest = text
	while (match(rest, /\$$\((value )?[A-Za-z_][A-Za-z0-9_]*\)/)) {
		name = substr(rest, RSTART + 2, RLENGTH - 3)
		sub(/^value /, "", name)
		into[name] = 1
		rest = substr(rest, RSTART + RLENGTH)
	}
}
function reach(name, seen,   edge) {
	if (name in seen) return
	seen[name] = 1
	for (edge in uses) if (index(edge, name SUBSEP) == 1) reach(substr(edge, length(name) + 2), seen)
}
{
	line = $$0
	while (line ~ /\\$$/ && (getline more) > 0) line = substr(line, 1, length(line) - 1) more
	if (line ~ /^\t/) {
		if (target != "") { delete found; refs(line, found); for (n in found) uses[target SUBSEP n] = 1 }
		next
	}
	if (line !~ /^[ \t]*$$/) target = ""
	if (match(line, /^[A-Za-z_][A-Za-z0-9_]*[ \t]*[?:+]?=/)) {
		name = line; sub(/[ \t]*[?:+]?=.*/, "", name)
		value = substr(line, RLENGTH + 1); sub(/^[ \t]+/, "", value)
		if (line ~ /^[A-Za-z_][A-Za-z0-9_]*[ \t]*[?]=/ && !(name in dflt) && index(" " hide " ", " " name " ") == 0) {
			dflt[name] = value; order[++nvars] = name
		}
		delete found; refs(value, found); for (n in found) uses[name SUBSEP n] = 1
		next
	}
	if (match(line, /^[a-zA-Z_-]+:.*## /)) {
		target = line; sub(/:.*/, "", target)
		desc[target] = substr(line, RLENGTH + 1); targets[++ntargets] = target
	}
}
END {
	printf "usage: make [target] [VARIABLE=value ...]; under each target, the variables it takes and their defaults\n\n"
	for (i = 1; i <= ntargets; i++) {
		t = targets[i]
		printf "  %s%-14s%s %s\n", bold, t, plain, desc[t]
		delete seen; reach(t, seen); vars = ""
		for (j = 1; j <= nvars; j++) if (order[j] in seen) vars = vars " " order[j] (dflt[order[j]] == "" ? "" : "=" dflt[order[j]])
		if (vars != "") printf "  %-14s%s%s%s\n", "", dim, vars, plain
	}
}
endef
export HELP_AWK

.PHONY: help
help: ## Show this help
	@if [ -t 1 ] && [ -z "$${NO_COLOR:-}" ]; then colour=(-v bold=$$'\033[36m' -v dim=$$'\033[2m' -v plain=$$'\033[0m'); else colour=(); fi; \
	  awk -v hide='$(HELP_HIDE)' "$${colour[@]}" "$$HELP_AWK" $(MAKEFILE_LIST)

.PHONY: build
build: ## Build the three Lambdas for linux/GOARCH as producer/, sqlrunner/ and loader/bootstrap in BIN_DIR
	GOOS=linux GOARCH=$(GOARCH) CGO_ENABLED=0 $(GO) build $(GOFLAGS_LAMBDA) -o $(BIN_DIR)/producer/bootstrap ./lambda/producer
	GOOS=linux GOARCH=$(GOARCH) CGO_ENABLED=0 $(GO) build $(GOFLAGS_LAMBDA) -o $(BIN_DIR)/sqlrunner/bootstrap ./lambda/sqlrunner
	GOOS=linux GOARCH=$(GOARCH) CGO_ENABLED=0 $(GO) build $(GOFLAGS_LAMBDA) -o $(BIN_DIR)/loader/bootstrap ./lambda/loader
	@ls -l $(BIN_DIR)/producer/bootstrap $(BIN_DIR)/sqlrunner/bootstrap $(BIN_DIR)/loader/bootstrap | awk '{printf "%s: %.1f MiB\n", $$NF, $$5/1048576}'

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

.PHONY: deps
deps: node_modules/.package-lock.json ## Install the pinned Node packages (CDK CLI, kinesis-local, the local warehouse's PostgreSQL)

.PHONY: lint
lint: ## gofmt, go vet, staticcheck, and go.mod/go.sum tidy
	@out=$$(find . -name '*.go' -not -path './node_modules/*' -not -path './cdk.out/*' | xargs gofmt -l); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...
	@$(GO) mod tidy -diff || { echo "go.mod or go.sum is not tidy: run go mod tidy"; exit 1; }

# cfn-lint validates the synthesized templates in go test ./infra/... . A cfn-lint on
# PATH at CFN_LINT_VERSION or a newer 1.x is used as it is, without the network;
# otherwise CFN_LINT_VERSION is installed into CFN_LINT_DIR with python3 -m venv and
# pip. The choice is kept in CFN_LINT_DIR.path, which make test passes on as CFN_LINT.
CFN_LINT_VERSION ?= 1.51.0
CFN_LINT_DIR     ?= .local/cfn-lint

.PHONY: cfn-lint
cfn-lint: ## Use the pinned cfn-lint (or a newer 1.x) from PATH, else install it into .local/ with python3 venv
	@usable() { v=$$("$$1" --version 2>/dev/null | awk '{print $$NF}') && [ "$${v%%.*}" = 1 ] && \
	    [ "$$(printf '%s\n' '$(CFN_LINT_VERSION)' "$$v" | sort -V | head -n 1)" = '$(CFN_LINT_VERSION)' ]; }; \
	  if linter=$$(command -v cfn-lint) && usable "$$linter"; then :; \
	  elif linter='$(abspath $(CFN_LINT_DIR))/bin/cfn-lint' && usable "$$linter"; then :; \
	  else \
	    echo "cfn-lint $(CFN_LINT_VERSION) or a newer 1.x is not on PATH: installing it into $(CFN_LINT_DIR)"; \
	    python3 -m venv '$(CFN_LINT_DIR)' && '$(CFN_LINT_DIR)/bin/pip' install --quiet 'cfn-lint==$(CFN_LINT_VERSION)' || \
	      { echo "could not install cfn-lint: it needs python3 with venv and PyPI; or put cfn-lint $(CFN_LINT_VERSION) on PATH"; exit 1; }; \
	    linter='$(abspath $(CFN_LINT_DIR))/bin/cfn-lint'; \
	  fi; \
	  mkdir -p '$(dir $(CFN_LINT_DIR))'; echo "$$linter" > '$(CFN_LINT_DIR).path'; \
	  echo "cfn-lint: $$linter ($$("$$linter" --version))"

# The dashboard's browser test drives Chromium. Debian's package is installed
# when no chromium is on PATH and apt-get can install it (CI runs as root);
# elsewhere this says how, and CHROMIUM names a browser of your own.
CHROMIUM ?=

.PHONY: chromium
chromium: ## Install Debian's chromium for the dashboard's browser test when it is missing (root and apt-get; or set CHROMIUM)
	@if [ -n '$(CHROMIUM)' ] || command -v chromium >/dev/null 2>&1; then exit 0; fi; \
	  if [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then \
	    echo "chromium is missing for the dashboard's browser test: install it (Debian or Ubuntu: sudo apt-get install chromium), or set CHROMIUM=/path/to/chromium"; \
	    exit 1; \
	  fi; \
	  echo "installing chromium (Debian package) for the dashboard's browser test"; \
	  log=$$(mktemp); \
	  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >"$$log" 2>&1; then \
	    cat "$$log" >&2; rm -f "$$log"; exit 1; \
	  fi; \
	  rm -f "$$log"

.PHONY: test
test: deps lint cfn-lint chromium ## Run every test (unit, integration, CDK assertions, cfn-lint of every template; the Lambdas' packages under the race detector)
	CFN_LINT="$$(cat '$(CFN_LINT_DIR).path')" $(GO) test -count=1 $$($(GO) list ./... | grep -v '/lambda/')
	$(GO) test -race -count=1 ./lambda/...

.PHONY: bench
bench: ## Run the benchmarks
	$(GO) test -run '^$$' -bench . -benchmem ./...

# Fuzz targets are found by name in the test files, so only their packages
# are compiled. make test already runs every target's seed corpus.
FUZZTIME ?= 1m

.PHONY: fuzz
fuzz: ## Run every fuzz target for FUZZTIME each; a crasher is kept in the package's testdata/fuzz/
	@tests=$$($(GO) list -e -f '{{$$d := .Dir}}{{range .TestGoFiles}}{{$$d}}/{{.}} {{end}}{{range .XTestGoFiles}}{{$$d}}/{{.}} {{end}}' ./...) || exit 1; \
	status=0; \
	for dir in $$(grep -l '^func Fuzz' $$tests /dev/null | xargs -n1 dirname | sort -u); do \
	  pkg=./$${dir#$(CURDIR)/}; \
	  for target in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$dir/*_test.go | cut -d' ' -f2); do \
	    echo "== $$pkg $$target for $(FUZZTIME)"; \
	    $(GO) test -run '^$$' -fuzz "^$$target\$$" -fuzztime '$(FUZZTIME)' $$pkg || status=1; \
	  done; \
	done; \
	exit $$status

# ENV names the environment (cdk.json) and becomes part of stack, file and
# flag names, so recipes use $(env): ENV, checked to be 1 or more lower-case
# letters, digits and hyphens before it reaches a shell. The check runs
# when a recipe uses it, so a bad ENV does not stop unrelated targets.
ENV ?= staging
ENV_CHARS := a b c d e f g h i j k l m n o p q r s t u v w x y z 0 1 2 3 4 5 6 7 8 9 -
# without removes each of the words of $(2) from the text $(1).
without = $(if $(2),$(call without,$(subst $(firstword $(2)),,$(1)),$(wordlist 2,$(words $(2)),$(2))),$(1))
# $(value ENV) is the text as typed: a $ in it is refused, not expanded.
env = $(if $(and $(filter 1,$(words $(value ENV))),$(if $(call without,$(value ENV),$(ENV_CHARS)),,ok)),$(value ENV),$(error ENV="$(value ENV)" is not an environment name: use only lower-case letters, digits and hyphens, such as ENV=staging))

# The warehouse's SQL and the analytics queries: sql/ and cmd/query.
# FROM_STACK=1: make sql reads the stream name from the deployed stack.
Q          ?=
MODE       ?=
ENGINE     ?=
FROM_STACK ?=

.PHONY: sql
sql: ## Print every statement the deploy and the loader run for ENV (MODE=realtime|scheduled; FROM_STACK=1: the deployed stack's stream; ENGINE=postgres: the local warehouse's)
	@$(GO) run ./cmd/query ddl -env '$(env)' $(if $(MODE),-mode '$(MODE)') $(if $(ENGINE),-engine '$(ENGINE)') $(if $(FROM_STACK),-from-stack)

.PHONY: query
query: ## Run sql/queries/<Q>.sql on the deployed ENV workgroup as an analyst (read-only role, no secret) and print a table
	@if [ -z '$(Q)' ]; then echo "usage: make query ENV=$(env) Q=<name>, one of:"; $(GO) run ./cmd/query list; exit 2; fi
	@$(GO) run ./cmd/query run -env '$(env)' -q '$(Q)'

.PHONY: load
load: ## Run one load in the deployed ENV now, the one its schedule runs, and print what it moved
	@$(GO) run ./cmd/query load -env '$(env)'

.PHONY: query-local
query-local: ## Run sql/queries/<Q>.sql on the local warehouse a make local keeps up (TICKS=0: until Ctrl-C) and print a table
	@if [ -z '$(Q)' ]; then echo "usage: make query-local Q=<name>, one of:"; $(GO) run ./cmd/query list; exit 2; fi
	@$(GO) run ./cmd/query local -q '$(Q)'

# The pipeline on this machine, no AWS account (cmd/local): kinesis-local and the
# Lambda Runtime Interface Emulator on 127.0.0.1, the real producer, a read-back check;
# make local also loads each tick into the local warehouse (PostgreSQL, on
# WAREHOUSE_PORT), serves the dashboard on DASHBOARD_ADDR, prints the analytics and
# checks the warehouse. LOSE_ANSWERS puts a fault proxy between the producer and
# kinesis-local that loses that share of PutRecords answers after storing their records.
TICKS        ?= 3
INTERVAL     ?= 5s
EVENTS       ?= 500
EVENT        ?= events/scheduler.json
KINESIS_PORT ?= 0
LAMBDA_PORT  ?= 0
SAM_TEMPLATE ?= cdk.out/chatstream-$(env).template.json
FUNCTION     ?=
# The producer's RATE (events per second: the world's rate, a burst's pace,
# also make smoke's), USERS, SEED, RHYTHM and DIRTY_RATIO; unset leaves the
# producer's defaults. make local and make invoke-local refuse, up front,
# more than kinesis-local takes (docs/local.md, "Large counts").
RATE         ?=
USERS        ?=
SEED         ?=
RHYTHM       ?=
DIRTY_RATIO  ?=
LOSE_ANSWERS   ?= 0
WAREHOUSE_PORT ?= 0
LOCAL_FLAGS   = -events '$(EVENTS)' -kinesis-port '$(KINESIS_PORT)' -lambda-port '$(LAMBDA_PORT)' \
                $(if $(RATE),-rate '$(RATE)') $(if $(USERS),-users '$(USERS)') $(if $(SEED),-seed '$(SEED)') \
                $(if $(RHYTHM),-rhythm '$(RHYTHM)') $(if $(DIRTY_RATIO),-dirty-ratio '$(DIRTY_RATIO)')

.PHONY: local
local: deps ## The pipeline on this machine: every INTERVAL the world's events, TICKS times (0: until Ctrl-C), checked in the stream, loaded into the local warehouse, its analytics printed and checked, the dashboard served
	@$(GO) build -o $(BIN_DIR)/local ./cmd/local
	@$(BIN_DIR)/local run -ticks '$(TICKS)' -interval '$(INTERVAL)' $(LOCAL_FLAGS) -lose-answers '$(LOSE_ANSWERS)' \
	  -warehouse-port '$(WAREHOUSE_PORT)' -dashboard-addr '$(DASHBOARD_ADDR)'

.PHONY: invoke-local
invoke-local: deps ## One local invocation with the payload in EVENT (at most 30000 events) against a fresh local stream, then check the stream
	@$(GO) build -o $(BIN_DIR)/local ./cmd/local
	@$(BIN_DIR)/local invoke -event '$(EVENT)' $(LOCAL_FLAGS) -lose-answers '$(LOSE_ANSWERS)'

.PHONY: sam-invoke
sam-invoke: deps ## sam local invoke of the producer in SAM_TEMPLATE against a local stream (needs Docker and the SAM CLI)
	@$(GO) build -o $(BIN_DIR)/local ./cmd/local
	@$(BIN_DIR)/local sam -template '$(SAM_TEMPLATE)' -event '$(EVENT)' $(if $(FUNCTION),-function '$(FUNCTION)') $(LOCAL_FLAGS)

# The analytics dashboard (cmd/dashboard): each chart is one query of sql/queries,
# drawn on the server and served on DASHBOARD_ADDR, 127.0.0.1 only (make local serves
# it too). It reads the deployed ENV through the Data API as the stack's analyst role,
# or with LOCAL=1 the local warehouse that make local TICKS=0 keeps up.
DASHBOARD_ADDR ?= 127.0.0.1:0
REPORT         ?= .local/report.html
LOCAL          ?=
DASHBOARD_FROM  = $(if $(LOCAL),-local,-env '$(env)')

.PHONY: dashboard
dashboard: ## Serve the dashboard of the deployed ENV (as its analyst role) on DASHBOARD_ADDR until Ctrl-C; LOCAL=1: the local warehouse
	@$(GO) build -o $(BIN_DIR)/dashboard ./cmd/dashboard
	@$(BIN_DIR)/dashboard serve $(DASHBOARD_FROM) -addr '$(DASHBOARD_ADDR)'

.PHONY: report
report: ## Write the dashboard of the deployed ENV (LOCAL=1: the local warehouse) as one self-contained HTML file, REPORT
	@$(GO) build -o $(BIN_DIR)/dashboard ./cmd/dashboard
	@$(BIN_DIR)/dashboard report $(DASHBOARD_FROM) -o '$(REPORT)'

# The CDK app (infra/): one stack, chatstream-ENV, per environment in cdk.json.
# The pinned CLI from package.json; synth needs no AWS account and no network.
CDK        ?= npx --no-install cdk
CDK_FLAGS  ?= -c 'env=$(env)' --no-notices
STACK       = chatstream-$(env)
# No CLI telemetry from any cdk command (aws-cdk README, "Environment").
export CDK_DISABLE_CLI_TELEMETRY ?= true
# The Go app runs the CDK through jsii, whose Node check prints a 13-line
# banner on Node 20: it reached end of life on 2026-04-30 and jsii's support
# ended on 2026-10-30. Every target works on it, and CI runs it; the variable
# is jsii's switch for this banner (a list of acknowledged Node majors, see
# aws/jsii pull request 4325). Node 22 and 24 are supported and print nothing.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION ?= 20

.PHONY: synth
synth: deps ## Synthesize the ENV stack into cdk.out/ (offline: builds the three Lambdas, runs cdk-nag)
	$(CDK) synth $(CDK_FLAGS) --quiet '$(STACK)'
	@echo "cdk.out/$(STACK).template.json"

.PHONY: diff
diff: deps ## Show what deploying the ENV stack would change (needs AWS credentials)
	$(CDK) diff $(CDK_FLAGS) '$(STACK)'

# Before a deploy (cmd/predeploy): BASE is a template to compare with (default: the
# deployed stack's, read with your credentials); ALLOW_REBUILD=1 accepts an update that
# rebuilds the streaming materialized view; YES=1 deploys without asking, for CI.
BASE          ?=
ALLOW_REBUILD ?=
YES           ?=

.PHONY: check-update
check-update: synth ## Refuse an ENV update CloudFormation cannot apply safely: compare the synthesized template with BASE or the deployed one (ALLOW_REBUILD=1)
	@$(GO) build -o $(BIN_DIR)/predeploy ./cmd/predeploy
	@$(BIN_DIR)/predeploy check-update -env '$(env)' -template 'cdk.out/$(STACK).template.json' \
	  $(if $(BASE),-base '$(BASE)') $(if $(filter 1,$(ALLOW_REBUILD)),-allow-rebuild)

.PHONY: deploy
deploy: check-update ## Run check-update, state the ENV stack's cost and ask (YES=1: don't), then deploy what was checked; outputs to cdk.out/
	@$(BIN_DIR)/predeploy cost -env '$(env)' $(if $(filter 1,$(YES)),-yes)
	$(CDK) deploy $(CDK_FLAGS) --app cdk.out --outputs-file 'cdk.out/$(STACK).outputs.json' \
	  $(if $(filter 1,$(YES)),--require-approval never) '$(STACK)'

.PHONY: destroy
destroy: deps ## Delete the ENV stack (staging: everything; production: keeps stream, namespace with its secret, queues, logs)
	$(CDK) destroy $(CDK_FLAGS) '$(STACK)'

# After a deploy: prove that events flow into Redshift, and how fast (cmd/smoke).
# RATE (events/s, empty = the producer's own) is shared with make local.
COUNT   ?= 1000
TIMEOUT ?= 5m

.PHONY: smoke
smoke: ## Invoke the deployed ENV producer with COUNT events and wait up to TIMEOUT until Redshift has them all (RATE=events/s)
	@$(GO) build -o $(BIN_DIR)/smoke ./cmd/smoke
	@$(BIN_DIR)/smoke -env '$(env)' -count '$(COUNT)' -timeout '$(TIMEOUT)' $(if $(RATE),-rate '$(RATE)')

# make clean removes only what the targets create. .local/ also holds the
# cfn-lint that make test installed; the next make test installs it again.
ALL ?=

.PHONY: clean
clean: ## Remove .local/, bin/ and cdk.out/; with ALL=1 also node_modules/
	@case '$(ALL)' in ''|1) ;; *) echo "ALL=$(ALL): use ALL=1 to remove node_modules/ too, or leave ALL unset"; exit 2;; esac
	rm -rf .local bin cdk.out$(if $(ALL), node_modules)

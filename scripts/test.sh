#!/usr/bin/env bash
# Run the tests: the one command the README and CI both use (run scripts/setup.sh once first).
#
#   1. cargo test --workspace --release --no-fail-fast: every test binary runs even after a
#      failure, so CI shows all failures;
#   2. scripts/fuzz.sh --ci: about a minute of cargo-fuzz (see TESTING.md).
#
# Both steps run even if the first fails; the exit status is 1 if either failed.
# Extra arguments go to `cargo test` (e.g. `scripts/test.sh --test asm_programs`) and skip the
# fuzz step, as does RVJIT_TEST_FUZZ=0.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

failed=()
cargo test --workspace --release --no-fail-fast "$@" || failed+=("cargo test")

if [[ $# -gt 0 ]]; then
    echo "test.sh: cargo test arguments given; fuzz step skipped"
elif [[ "${RVJIT_TEST_FUZZ:-1}" == 0 ]]; then
    echo "test.sh: RVJIT_TEST_FUZZ=0; fuzz step skipped"
else
    scripts/fuzz.sh --ci || failed+=("scripts/fuzz.sh --ci")
fi

if [[ ${#failed[@]} -gt 0 ]]; then
    echo "test.sh: FAILED: ${failed[*]}" >&2
    exit 1
fi
echo "test.sh: all passed"

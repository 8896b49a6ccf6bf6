#!/usr/bin/env bash
# Run the tests: the one command the README and CI both use (run scripts/setup.sh once first).
# Every test binary runs even after a failure (--no-fail-fast), so CI shows all failures.
# Extra arguments go to `cargo test` (e.g. `scripts/test.sh --test asm_programs`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec cargo test --workspace --release --no-fail-fast "$@"

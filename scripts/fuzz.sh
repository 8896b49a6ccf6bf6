#!/usr/bin/env bash
# Run the cargo-fuzz targets (fuzz/, see TESTING.md).
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]   every (or the named) target for that long
#                                                      (default 60 s), one after the other;
#                                                      AddressSanitizer + debug assertions
#   scripts/fuzz.sh --ci                               the CI step (scripts/test.sh): every
#                                                      target for FUZZ_CI_SECONDS (default 15 s),
#                                                      built without a sanitizer (debug
#                                                      assertions stay on) in
#                                                      fuzz/target/sanitizer-none
#
# Under --ci with CI set (CI=true, as .ci/run sets it) missing nightly or cargo-fuzz is a
# failure; outside CI --ci falls back to the proptest suites (differential, hostile).
#
# Prints per-target execution counts and coverage and any crash; exits 1 on a crash
# (reproducers are left in fuzz/artifacts/TARGET/, logs in fuzz/target/logs/), 2 when the
# fuzzers cannot be built or run. Environment: RVJIT_FUZZ_JIT=0 runs the code targets on the
# interpreter only; FUZZ_RSS_MB (default 2048) bounds each fuzzer's memory.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

TARGETS_ALL=(code_rv32 code_rv64 elf_loader services)
RSS_MB="${FUZZ_RSS_MB:-2048}"

have_fuzz() {
    cargo +nightly --version >/dev/null 2>&1 && cargo +nightly fuzz --version >/dev/null 2>&1
}

ci=0
if [[ "${1:-}" == "--ci" ]]; then
    ci=1
    shift
fi

in_ci() {
    [[ -n "${CI:-}" && "${CI}" != "false" && "${CI}" != "0" ]]
}

if [[ $ci == 1 ]] && ! have_fuzz; then
    if in_ci; then
        echo "fuzz.sh --ci: CI is set but nightly or cargo-fuzz is missing (run scripts/setup.sh)" >&2
        exit 2
    fi
    echo "fuzz.sh --ci: nightly or cargo-fuzz not installed; running the proptest suites instead"
    echo "fuzz.sh --ci: cargo test --release --test differential --test hostile"
    RVJIT_PROPTEST_CASES="${RVJIT_PROPTEST_CASES:-256}" exec cargo test --release --test differential --test hostile
fi

if ! have_fuzz; then
    echo "fuzz.sh: needs the nightly toolchain and cargo-fuzz (cargo install cargo-fuzz --locked)" >&2
    exit 2
fi

# Flags shared by `cargo fuzz build` and `cargo fuzz run` (run rebuilds when they differ).
build_flags=()
if [[ $ci == 1 ]]; then
    secs="${FUZZ_CI_SECONDS:-15}"
    # No sanitizer: a quicker build and several times more executions in a short run; Rust
    # code needs ASan only around `unsafe`, and debug assertions (overflow checks, the
    # Cranelift verifier) stay on. Its own target dir, so it never rebuilds the ASan one.
    build_flags=(--sanitizer none --target-dir target/sanitizer-none)
    echo "fuzz.sh --ci: each cargo-fuzz target for ${secs} s (no sanitizer, debug assertions)"
else
    secs="${1:-60}"
    shift || true
fi
if ! [[ "$secs" =~ ^[0-9]+$ ]]; then
    echo "fuzz.sh: seconds per target must be a number, got '$secs'" >&2
    exit 2
fi
targets=("$@")
[[ ${#targets[@]} == 0 ]] && targets=("${TARGETS_ALL[@]}")

echo "fuzz.sh: building ${targets[*]}"
(cd fuzz && cargo +nightly fuzz build "${build_flags[@]}") || { echo "fuzz.sh: build failed" >&2; exit 2; }

logdir="fuzz/target/logs"
mkdir -p "$logdir"
failed=()
summary=()
for t in "${targets[@]}"; do
    mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t"
    # Fuzz into a scratch copy of the committed seeds so runs do not bloat the repository.
    work="fuzz/target/corpus/$t"
    mkdir -p "$work"
    log="$logdir/$t.log"
    # One in-process fuzzer at a time (like -jobs=1, but the stats stay in our log).
    echo "fuzz.sh: $t for ${secs} s (log: $log)"
    started=$SECONDS
    (cd fuzz && cargo +nightly fuzz run "${build_flags[@]}" "$t" "target/corpus/$t" "corpus/$t" -- \
        -max_total_time="$secs" -timeout=10 \
        -rss_limit_mb="$RSS_MB" -malloc_limit_mb="$RSS_MB" -max_len=8192 \
        -print_final_stats=1) >"$log" 2>&1
    rc=$?
    # libFuzzer's final stats (-print_final_stats=1) and its last status line ("#N ... cov: E").
    execs=$(grep -E '^stat::number_of_executed_units' "$log" | tail -1 | awk '{print $2}')
    new_units=$(grep -E '^stat::new_units_added' "$log" | tail -1 | awk '{print $2}')
    cov=$(grep -E '^#[0-9]+' "$log" | tail -1 | grep -oE 'cov: [0-9]+' | awk '{print $2}')
    line="$t: ${execs:-?} executions in $((SECONDS - started)) s, coverage ${cov:-?} edges, ${new_units:-?} new units"
    if [[ $rc != 0 ]] || grep -qE '^(==[0-9]+==ERROR|SUMMARY: |thread .* panicked)' "$log"; then
        line="$line — CRASH (exit $rc)"
        failed+=("$t")
        grep -E 'panicked|ERROR|SUMMARY|Test unit written|artifact_prefix' "$log" | head -10
    fi
    summary+=("$line")
done

echo
echo "fuzz.sh summary:"
printf '  %s\n' "${summary[@]}"
if [[ ${#failed[@]} != 0 ]]; then
    echo "fuzz.sh: crashes in ${failed[*]}; reproducers in fuzz/artifacts/<target>/" >&2
    exit 1
fi
echo "fuzz.sh: no crashes"

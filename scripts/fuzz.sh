#!/usr/bin/env bash
# Run the cargo-fuzz targets (fuzz/, see TESTING.md).
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]   every (or the named) target for that long
#                                                      (default 60 s), one job each
#   scripts/fuzz.sh --ci                               ~15 s per target when nightly and
#                                                      cargo-fuzz are installed; otherwise the
#                                                      differential proptest suite instead
#
# Prints per-target execution counts and any crash; exits non-zero on a crash (reproducers are
# left in fuzz/artifacts/TARGET/). Environment: RVJIT_FUZZ_JIT=0 runs the code targets on the
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

if [[ $ci == 1 ]] && ! have_fuzz; then
    echo "fuzz.sh --ci: nightly or cargo-fuzz not installed; running the proptest suites instead"
    suites=()
    for t in differential hostile; do
        [[ -f "tests/$t.rs" ]] && suites+=(--test "$t")
    done
    if [[ ${#suites[@]} == 0 ]]; then
        echo "fuzz.sh --ci: no proptest suite found (tests/differential.rs); nothing run"
        exit 0
    fi
    echo "fuzz.sh --ci: cargo test --release ${suites[*]}"
    RVJIT_PROPTEST_CASES="${RVJIT_PROPTEST_CASES:-256}" exec cargo test --release "${suites[@]}"
fi

if ! have_fuzz; then
    echo "fuzz.sh: needs the nightly toolchain and cargo-fuzz (cargo install cargo-fuzz --locked)" >&2
    exit 2
fi

if [[ $ci == 1 ]]; then
    secs=15
    echo "fuzz.sh --ci: running each cargo-fuzz target for ${secs} s"
else
    secs="${1:-60}"
    shift || true
fi
if ! [[ "$secs" =~ ^[0-9]+$ ]]; then
    echo "fuzz.sh: SECONDS_PER_TARGET must be a number, got '$secs'" >&2
    exit 2
fi
targets=("$@")
[[ ${#targets[@]} == 0 ]] && targets=("${TARGETS_ALL[@]}")

echo "fuzz.sh: building ${targets[*]}"
(cd fuzz && cargo +nightly fuzz build) || { echo "fuzz.sh: build failed" >&2; exit 2; }

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
    (cd fuzz && cargo +nightly fuzz run "$t" "target/corpus/$t" "corpus/$t" -- \
        -max_total_time="$secs" -timeout=10 \
        -rss_limit_mb="$RSS_MB" -malloc_limit_mb="$RSS_MB" -max_len=8192 \
        -print_final_stats=1) >"$log" 2>&1
    rc=$?
    execs=$(grep -E '^stat::number_of_executed_units' "$log" | tail -1 | awk '{print $2}')
    cov=$(grep -E '#[0-9]+' "$log" | tail -1 | grep -oE 'cov: [0-9]+' | awk '{print $2}')
    line="$t: ${execs:-?} executions in ${secs} s, coverage ${cov:-?} edges"
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

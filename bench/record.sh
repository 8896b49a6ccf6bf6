#!/usr/bin/env bash
# Witness recording with the translator (docs/WITNESS.md), riscv64imac bench inputs:
#
#   bench/record.sh [--reps N] [--chunks "262144 1048576"] [--guest G]... [--no-build]
#
# Per guest and chunk size, in one process (benches/record.rs), median of N (default 5)
# round-robin repetitions, translation excluded: the plain translated run, the recording
# translation with records dropped in memory ("mem": no encoding, no I/O), and recording into
# a fresh chunks directory on /dev/shm per run ("dir": encoding + XXH3 checksum + writes on
# the writer thread);
# the ratios to the plain run, and the record size in MB per million cycles (records +
# manifest). Then `rvjit replay DIR --all --jobs 1` and `--jobs 2` wall times (median of N) on
# the first chunk size's directory. Prints a markdown table.
set -euo pipefail
main() {
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET=riscv64imac-unknown-none-elf
GUESTS=("sha256-chain-soft sha256-chain" "keccak-chain-soft keccak-chain" "json json" "evm evm")
reps=5 chunks="262144 1048576" build=1 sel=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --reps) reps="$2"; shift ;;
        --chunks) chunks="$2"; shift ;;
        --guest) sel+=("$2"); shift ;;
        --no-build) build=0 ;;
        *) echo "record.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
cd "$ROOT"
if [[ $build == 1 ]]; then
    cargo build --release --quiet
    cargo bench --bench record --no-run --quiet 2>/dev/null || cargo bench --bench record --no-run
fi
helper=$(ls -t target/release/deps/record-* | grep -v '\.d$' | head -1)
rvjit=target/release/rvjit
shm=$(mktemp -d /dev/shm/rvjit-record.XXXXXX)
trap 'rm -rf "$shm"' EXIT
echo "| guest | N | Mcycles | chunks | plain s | mem s | dir s | mem/plain | dir/plain | MB/Mcycle | replay j1 s | replay j2 s | j1/j2 |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for g in "${GUESTS[@]}"; do
    read -r bin dir <<<"$g"
    if [[ ${#sel[@]} -gt 0 && ! " ${sel[*]} " == *" $bin "* ]]; then continue; fi
    elf=guests/bin/$TARGET/$bin
    input=guests/inputs/$dir/bench.bin
    first=1
    for n in $chunks; do
        out="$shm/$bin-$n"
        j=$("$helper" "$elf" "$input" "$n" "$reps" "$out")
        f() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$j" "$1"; }
        r1=- r2=- rr=-
        if [[ $first == 1 ]]; then
            t1=() t2=()
            for _ in $(seq "$reps"); do
                for jobs in 1 2; do
                    s=$(date +%s.%N)
                    "$rvjit" replay "$out" --all --jobs "$jobs" 2>/dev/null || { echo "replay of $out failed" >&2; exit 1; }
                    e=$(date +%s.%N)
                    if [[ $jobs == 1 ]]; then t1+=("$(echo "$e - $s" | bc)"); else t2+=("$(echo "$e - $s" | bc)"); fi
                done
            done
            r1=$(printf '%s\n' "${t1[@]}" | sort -g | sed -n "$(( (reps + 1) / 2 ))p")
            r2=$(printf '%s\n' "${t2[@]}" | sort -g | sed -n "$(( (reps + 1) / 2 ))p")
            rr=$(python3 -c "print(f'{$r1/$r2:.2f}')")
        fi
        rm -rf "$out"
        python3 - "$j" "$bin" "$r1" "$r2" "$rr" <<'PY'
import json, sys
j = json.loads(sys.argv[1]); bin, r1, r2, rr = sys.argv[2:]
fmt = lambda s: s if s == "-" else f"{float(s):.3f}"
print(f"| {bin} | {j['chunk_size']} | {j['cycles']/1e6:.1f} | {j['chunks']} | {j['plain_seconds']:.3f} | {j['record_mem_seconds']:.3f} | "
      f"{j['record_dir_seconds']:.3f} | {j['mem_ratio']:.2f} | {j['dir_ratio']:.2f} | {j['mb_per_mcycle']:.3f} | {fmt(r1)} | {fmt(r2)} | {rr} |")
PY
        first=0
    done
done
}
main "$@"

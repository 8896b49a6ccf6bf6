#!/usr/bin/env bash
# Side-by-side comparison of rvjit (translator and interpreter) with qemu-user and the guest's
# host-native build, on the committed guest ELFs.
#
#   bench/compare.sh [options]
#     --reps N         repetitions per engine (default 5); the table shows medians
#     --quick          smallest inputs, 1 repetition (CI smoke test)
#     --guest G        only this guest (repeatable), e.g. fibonacci, sha256-chain-soft
#     --target T       only this target (repeatable; default: the four committed targets)
#     --markdown FILE  also write the table as markdown to FILE
#     --strict         a missing qemu or host-native build is an error (CI); default: skip column
#     --timeout SECS   kill a run after SECS (default 600; 0 = none); that engine is then shown
#                      as ">SECS" for the case and not run again
#     --no-build       do not `cargo build --release` rvjit first (use $RVJIT_BIN or target/release)
#   env: RVJIT_BIN (rvjit binary), RVJIT_NATIVE_DIR (default guests/target/native/release)
#
# Every repetition runs every (guest, target, engine) once, round-robin, so load changes on a
# noisy machine hit all engines alike. All engines must print the same stdout, produce the same
# public output and exit status, or the script fails. Engines:
#   jit     `rvjit run --engine jit` (process wall time, translation included)
#   interp  `rvjit run --engine interp`
#   tr      translate + run in one process, timed separately (benches/jit_split.rs, built
#           with `cargo bench --no-run`; $RVJIT_SPLIT_BIN; the sweep before the run, as
#           `--jit-sweep ahead`); without it translation only:
#           `rvjit run --engine jit --jit-sweep ahead --max-cycles 0`, and the run's own report wins if
#           `rvjit --json` carries a translate time (translation.translate_seconds; its
#           wall_seconds then excludes translation)
#   qemu    `qemu-riscv{32,64} ELF < blob 3>out` (soft variants only: the -accel guests use
#           project ecalls that qemu-user does not implement); once per repetition and target
#           also fibonacci's small input, qemu's start-up ("(qemu-start)/jit" takes it off)
#   native  the host-native build (software hash backends) `--input FRAME --output out`, with
#           RVJIT_NATIVE_TIMING=1: it reports its own run time on stderr ("native exec")
# "jit exec": the translated code's run time, measured by jit_split (else: in-process run time
# minus translate time of the same run when rvjit reports it, else the difference of the
# medians). "interp exec" (rvjit's `wall_seconds`) and "native exec" are the in-process run
# times of the other two: jit/native and interp/jit compare like with like, without process
# start-up (a few ms, most of a short guest's process time).
set -euo pipefail
# The body is one function, parsed whole before it runs: editing this file during a long run
# cannot change the run.
main() {

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ALL_TARGETS=(riscv32im-unknown-none-elf riscv32imac-unknown-none-elf riscv64imac-unknown-none-elf riscv64im-unknown-none-elf)
# guest  input-dir  bench-inputs  quick-inputs  qemu(1 = runs under qemu-user)
# Inputs are guests/inputs/<dir>/<name>.bin; the first existing name of each list is used.
GUESTS=(
    "fibonacci fibonacci bench small 1"
    "sha256-chain-soft sha256-chain bench small 1"
    "sha256-chain-accel sha256-chain bench small 0"
    "keccak-chain-soft keccak-chain bench small 1"
    "keccak-chain-accel keccak-chain bench small 0"
    "ecdsa-verify ecdsa-verify bench,valid small,valid 1"
    "evm evm bench,keccak-100,small small 1"
    "json json bench,medium,small small 1"
)

reps=5 quick=0 markdown="" strict=0 build=1 tmo=600
sel_guests=() sel_targets=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --reps) reps="$2"; shift ;;
        --quick) quick=1 ;;
        --guest) sel_guests+=("$2"); shift ;;
        --target) sel_targets+=("$2"); shift ;;
        --markdown) markdown="$2"; shift ;;
        --strict) strict=1 ;;
        --no-build) build=0 ;;
        --timeout) tmo="$2"; shift ;;
        -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
        *) echo "compare: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
[[ $quick == 1 ]] && reps=1
[[ $reps =~ ^[1-9][0-9]*$ ]] || { echo "compare: --reps must be a positive integer" >&2; exit 2; }
[[ $tmo =~ ^[0-9]+$ ]] || { echo "compare: --timeout must be a whole number of seconds" >&2; exit 2; }
# SIGKILL: status 137, distinct from rvjit's own 124 (cycle limit) that the translate-only run expects.
lim=(); [[ $tmo == 0 ]] || lim=(timeout --signal=KILL "$tmo")
[[ ${#sel_targets[@]} -gt 0 ]] || sel_targets=("${ALL_TARGETS[@]}")

die() { echo "compare: ERROR: $*" >&2; exit 1; }
note() { echo "compare: note: $*" >&2; }

if [[ -n ${RVJIT_BIN:-} ]]; then
    rvjit="$RVJIT_BIN"
else
    if [[ $build == 1 ]]; then
        (cd "$ROOT" && cargo build --release --quiet --bin rvjit) || die "cargo build --release failed"
    fi
    rvjit="$ROOT/target/release/rvjit"
fi
[[ -x $rvjit ]] || die "rvjit binary $rvjit not found"
# benches/jit_split.rs: translate + run in one process, timed separately (exact "jit exec").
split="${RVJIT_SPLIT_BIN:-}"
if [[ -z $split && $build == 1 ]]; then
    # --workspace: the same feature resolution as `cargo test --workspace`, so under CI only
    # rvjit's bench target is compiled here, not criterion's dependencies again.
    split="$(cd "$ROOT" && cargo bench --workspace --quiet --bench jit_split --no-run --message-format=json 2>/dev/null \
        | python3 -c 'import json,sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("executable") and m.get("target", {}).get("name") == "jit_split": print(m["executable"])' | tail -n 1)" || split=""
fi
if [[ -n $split && ! -x $split ]]; then die "RVJIT_SPLIT_BIN=$split is not executable"; fi
[[ -n $split ]] || note "no jit_split helper (RVJIT_SPLIT_BIN); translate time from a --max-cycles 0 run, jit exec estimated from medians"
native_dir="${RVJIT_NATIVE_DIR:-$ROOT/guests/target/native/release}"
command -v python3 >/dev/null || die "python3 is needed for the statistics"

work="$(mktemp -d "${TMPDIR:-/tmp}/rvjit-compare.XXXXXX")"
trap 'rm -rf "$work"' EXIT
records="$work/records.tsv"   # guest target engine rep seconds cycles
: >"$records"

# qemu reads the input as a byte stream: u32-LE length prefix, then the frame. Prints the path
# of FRAME's stream, made once.
blob_of() {
    local b; b="$work/blob.$(basename "$(dirname "$1")").$(basename "$1" .bin)"
    [[ -f $b ]] || python3 -c 'import struct,sys; d=open(sys.argv[1],"rb").read(); open(sys.argv[2],"wb").write(struct.pack("<I",len(d))+d)' "$1" "$b"
    echo "$b"
}

# ---- the cases ---------------------------------------------------------------------------
cases=()   # "guest target elf frame blob qemu native"
for line in "${GUESTS[@]}"; do
    read -r guest dir bench_in quick_in qemu_ok <<<"$line"
    if [[ ${#sel_guests[@]} -gt 0 && " ${sel_guests[*]} " != *" $guest "* ]]; then continue; fi
    cands="$bench_in"; [[ $quick == 1 ]] && cands="$quick_in"
    frame=""
    for input in ${cands//,/ }; do
        [[ -f $ROOT/guests/inputs/$dir/$input.bin ]] && { frame="$ROOT/guests/inputs/$dir/$input.bin"; break; }
    done
    [[ -n $frame ]] || { note "$guest: no input guests/inputs/$dir/{$cands}.bin; skipped"; continue; }
    native="-"
    if [[ -x $native_dir/$guest ]]; then native="$native_dir/$guest"
    elif [[ $strict == 1 ]]; then die "$guest: host-native build $native_dir/$guest missing (scripts/build-guests.sh --target native)"
    else note "$guest: no host-native build in $native_dir; native column skipped (scripts/build-guests.sh --target native)"; fi
    for t in "${sel_targets[@]}"; do
        elf="$ROOT/guests/bin/$t/$guest"
        [[ -f $elf ]] || { note "$guest: no ELF for $t yet; skipped"; continue; }
        q="-"
        if [[ $qemu_ok == 1 ]]; then
            if [[ $t == riscv64* ]]; then q=qemu-riscv64; else q=qemu-riscv32; fi
            if ! command -v "$q" >/dev/null; then
                [[ $strict == 1 ]] && die "$q not installed (scripts/setup.sh)"
                note "$q not installed; qemu column skipped"; q="-"
            fi
        fi
        cases+=("$guest $t $elf $frame $(blob_of "$frame") $q $native")
    done
done
[[ ${#cases[@]} -gt 0 ]] || die "nothing to run (check --guest/--target)"
# qemu-user's start-up per target: fibonacci's small input (a few hundred instructions) under
# qemu, once per repetition. table.py takes it off qemu's process time for "(qemu-start)/jit".
probes=()   # "target qemu elf blob"
if [[ -f $ROOT/guests/inputs/fibonacci/small.bin ]]; then
    for c in "${cases[@]}"; do
        read -r _ t _ _ _ q _ <<<"$c"
        [[ $q == - || " ${probes[*]-} " == *" $t "* ]] && continue
        elf="$ROOT/guests/bin/$t/fibonacci"
        [[ -f $elf ]] || continue
        probes+=("$t $q $elf $(blob_of "$ROOT/guests/inputs/fibonacci/small.bin")")
    done
fi

# ---- one timed run -----------------------------------------------------------------------
# run ID ENGINE: runs, checks the outcome against the case's reference, appends a record.
declare -gA ref_out ref_pub ref_status ref_cycles jit_pending timed_out
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get(sys.argv[2]))' "$1" "$2"; }
# A translate time in the rvjit JSON summary, if the CLI reports one (any nesting; seconds or
# a serde Duration); empty otherwise.
translate_field() {
    python3 - "$1" <<'PY'
import json, sys
def find(v):
    if isinstance(v, dict):
        for k, x in v.items():
            if k in ("translate_seconds", "translation_seconds", "translate_time", "translation_time"):
                if isinstance(x, (int, float)): return float(x)
                if isinstance(x, dict) and "secs" in x: return x["secs"] + x.get("nanos", 0) / 1e9
            r = find(x)
            if r is not None: return r
    return None
r = find(json.loads(sys.argv[1]))
print("" if r is None else repr(r))
PY
}

# timed ENGINE: true (and recorded) if the last run was killed by --timeout. A translator that
# times out also skips the translate-only run (it translates the same code).
timed() {
    [[ $tmo != 0 && $status == 137 ]] || return 1
    note "$key: $1 exceeded --timeout $tmo s; shown as >$tmo and not run again"
    printf '%s\t%s\ttimeout:%s\t%s\t%s\t\n' "$guest" "$t" "$1" "$rep" "$tmo" >>"$records"
    timed_out[$key/$1]=1
    if [[ $1 == jit || $1 == tr ]]; then
        timed_out[$key/jit]=1; timed_out[$key/tr]=1
        printf '%s\t%s\ttimeout:%s\t%s\t%s\t\n' "$guest" "$t" "$([[ $1 == jit ]] && echo tr || echo jit)" "$rep" "$tmo" >>"$records"
    fi
    return 0
}

run_case() { # rep case engine
    local rep="$1" engine="$3" guest t elf frame blob q native
    read -r guest t elf frame blob q native <<<"$2"
    local key="$guest/$t" out="$work/out" err="$work/err" pub="$work/pub" status=0 t0 t1 cycles="" json=""
    rm -f "$pub"; : >"$pub"
    [[ -n ${timed_out[$key/$engine]:-} ]] && return 0
    case "$engine" in
        jit|interp)
            [[ $engine == jit && -n ${jit_pending[$key]:-} ]] && return 0
            t0=$EPOCHREALTIME
            "${lim[@]}" "$rvjit" run "$elf" --engine "$engine" --input "$frame" --output "$pub" --json >"$out" 2>"$err" || status=$?
            t1=$EPOCHREALTIME
            timed "$engine" && return 0
            if [[ $engine == jit && $status == 125 ]]; then
                note "$key: the translator failed ($(tail -n 3 "$err" | tr '\n' ' ')); jit column pending"
                jit_pending[$key]=1
                return 0
            fi
            json="$(tail -n 1 "$out")"
            cycles="$(field "$json" cycles)"
            # Guest stdout = everything before the JSON summary line.
            head -n -1 "$out" >"$out.guest"; mv "$out.guest" "$out"
            if [[ $engine == jit ]]; then
                local tr; tr="$(translate_field "$json")"
                local wall; wall="$(field "$json" wall_seconds)"
                # The CLI's wall_seconds is execution only; its translate time is reported apart.
                printf '%s\t%s\tjit-in\t%s\t%s\t\n' "$guest" "$t" "$rep" "$(python3 -c "print($wall + ${tr:-0})")" >>"$records"
                if [[ -n $tr ]]; then
                    printf '%s\t%s\ttr-run\t%s\t%s\t\n' "$guest" "$t" "$rep" "$tr" >>"$records"
                    printf '%s\t%s\texec\t%s\t%s\t\n' "$guest" "$t" "$rep" "$wall" >>"$records"
                fi
            fi
            ;;
        tr)
            [[ -n ${jit_pending[$key]:-} ]] && return 0
            if [[ -n $split ]]; then
                "${lim[@]}" "$split" "$elf" "$frame" >"$out" 2>"$err" || status=$?
                timed tr && return 0
                [[ $status == 0 ]] || { cat "$err" >&2; die "$key: jit_split exited $status: $(cat "$out")"; }
                local sj; sj="$(tail -n 1 "$out")"
                [[ $(field "$sj" cycles) == "${ref_cycles[$key]}" ]] || die "$key: jit_split ran $(field "$sj" cycles) cycles, the interpreter ${ref_cycles[$key]}"
                printf '%s\t%s\ttr-run\t%s\t%s\t\n' "$guest" "$t" "$rep" "$(field "$sj" translate_seconds)" >>"$records"
                printf '%s\t%s\texec\t%s\t%s\t\n' "$guest" "$t" "$rep" "$(field "$sj" exec_seconds)" >>"$records"
                return 0
            fi
            "${lim[@]}" "$rvjit" run "$elf" --engine jit --jit-sweep ahead --input "$frame" --max-cycles 0 --json >"$out" 2>"$err" || status=$?
            timed tr && return 0
            [[ $status == 124 ]] || { note "$key: translate-only run exited $status: $(tail -n 3 "$err")"; return 0; }
            local tj tv; tj="$(tail -n 1 "$out")"; tv="$(translate_field "$tj")"
            [[ -n $tv ]] || tv="$(field "$tj" wall_seconds)"
            printf '%s\t%s\ttr\t%s\t%s\t\n' "$guest" "$t" "$rep" "$tv" >>"$records"
            return 0
            ;;
        qemu)
            [[ $q == - ]] && return 0
            t0=$EPOCHREALTIME
            "${lim[@]}" "$q" "$elf" <"$blob" >"$out" 2>"$err" 3>"$pub" || status=$?
            t1=$EPOCHREALTIME
            timed qemu && return 0
            ;;
        native)
            [[ $native == - ]] && return 0
            t0=$EPOCHREALTIME
            RVJIT_NATIVE_TIMING=1 "${lim[@]}" "$native" --input "$frame" --output "$pub" >"$out" 2>"$err" || status=$?
            t1=$EPOCHREALTIME
            timed native && return 0
            ;;
    esac
    # The same stdout (modulo trailing newlines), public output and exit status as the reference.
    local o p; o="$(printf '%s' "$(cat "$out")" | sha256sum | cut -c1-64)"
    p="$(sha256sum <"$pub" | cut -c1-64)"
    if [[ -z ${ref_out[$key]:-} ]]; then
        ref_out[$key]="$o"; ref_pub[$key]="$p"; ref_status[$key]="$status"; ref_cycles[$key]="$cycles"
        [[ $status == 0 ]] || { cat "$err" >&2; die "$key: $engine exited with status $status"; }
        echo "compare: $key: reference outcome from $engine: exit 0, stdout $(wc -c <"$out") bytes, public output $(wc -c <"$pub") bytes" >&2
    elif [[ $o != "${ref_out[$key]}" || $p != "${ref_pub[$key]}" || $status != "${ref_status[$key]}" ]]; then
        echo "---- $engine stdout:" >&2; head -c 2000 "$out" >&2
        echo "---- $engine stderr:" >&2; tail -c 2000 "$err" >&2
        die "$key: $engine DISAGREES with the reference (status $status vs ${ref_status[$key]}, stdout sha $o vs ${ref_out[$key]}, public output sha $p vs ${ref_pub[$key]})"
    fi
    local secs; secs="$(python3 -c "print(${t1} - ${t0})")"
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$guest" "$t" "$engine" "$rep" "$secs" "$cycles" >>"$records"
    # In-process run times, comparable with "jit exec" (no process start-up, ELF or input loading).
    if [[ $engine == interp ]]; then
        printf '%s\t%s\tinterp-exec\t%s\t%s\t\n' "$guest" "$t" "$rep" "$(field "$json" wall_seconds)" >>"$records"
    elif [[ $engine == native ]]; then
        local ne; ne="$(sed -n 's/^rvjit-native: exec_seconds //p' "$err" | tail -n 1)"
        if [[ -n $ne ]]; then
            printf '%s\t%s\tnative-exec\t%s\t%s\t\n' "$guest" "$t" "$rep" "$ne" >>"$records"
        elif [[ $strict == 1 ]]; then
            die "$key: the host-native build did not report its run time (RVJIT_NATIVE_TIMING); rebuild it with scripts/build-guests.sh --target native"
        else
            note "$key: the host-native build did not report its run time (built before RVJIT_NATIVE_TIMING? scripts/build-guests.sh --target native); no jit/native ratio"
        fi
    fi
}

# ---- the runs: round-robin per repetition ------------------------------------------------
# The engine order rotates each repetition so none always runs first (cold caches) or last;
# repetition 1 starts with the interpreter, the reference every other engine must agree with.
engines=(interp jit qemu native tr)
echo "compare: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $reps repetition(s), ${#cases[@]} case(s), rvjit $rvjit" >&2
for ((rep = 1; rep <= reps; rep++)); do
    echo "compare: repetition $rep/$reps" >&2
    for p in "${probes[@]}"; do
        read -r t q elf blob <<<"$p"
        t0=$EPOCHREALTIME
        "${lim[@]}" "$q" "$elf" <"$blob" >/dev/null 2>&1 3>/dev/null || die "$t: qemu start-up probe ($q $elf) failed"
        t1=$EPOCHREALTIME
        printf '_qemu_start\t%s\tqemu-start\t%s\t%s\t\n' "$t" "$rep" "$(python3 -c "print(${t1} - ${t0})")" >>"$records"
    done
    n=${#engines[@]}
    for c in "${cases[@]}"; do
        for ((i = 0; i < n; i++)); do
            run_case "$rep" "$c" "${engines[$(((i + rep - 1) % n))]}"
        done
    done
done
python3 "$ROOT/bench/table.py" "$records" "${markdown:-}" "$reps" "$quick"
}
main "$@"

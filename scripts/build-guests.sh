#!/usr/bin/env bash
# Build every guest for every RISC-V target and host-native, reproducibly.
#
#   scripts/build-guests.sh            build all, copy ELFs to guests/bin/<target>/<bin>,
#                                      write guests/bin/MANIFEST (sha256 per ELF + toolchains)
#   scripts/build-guests.sh --check    rebuild all and compare with the committed ELFs (exit 1 on
#                                      any difference)
#   options: --guest PKG (repeatable; default: every guest package), --target T (repeatable;
#            default: the four targets; "native" = host; "native-check" = host with a quicker
#            profile, see below), --target-dir DIR (default guests/target),
#            --out DIR (copy ELFs to DIR/<target>/<bin> instead of guests/bin; no MANIFEST),
#            --no-native (skip host-native builds)
#
# Builds run in a copy of runtime-abi/ and guests/ at a fixed path (RVJIT_GUEST_STAGE, default
# /tmp/rvjit-guest-src): cargo hashes the absolute path of runtime-abi (outside the guests
# workspace) into every symbol name, so building in place would tie the bytes to the checkout's
# location. Target dirs may be anywhere.
#
# Toolchains are explicit (no rust-toolchain file): RVJIT_STABLE (default 1.95.0) for
# riscv32im, riscv32imac, riscv64imac and native; RVJIT_NIGHTLY (default nightly) with
# -Zbuild-std=core,alloc for riscv64im. Host-native binaries go to <target-dir>/native/release.
# "native-check" builds them into <target-dir>/native-check/release without LTO and with 16
# codegen units (about a third less build time): the tests under CI compare those binaries'
# outputs with the translated guests', which no optimisation setting may change; the
# benchmarks (bench/compare.sh) use the "native" builds with the guests' release profile.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
GUESTS="$ROOT/guests"
# The pinned stable release if rustup has it under that name, else `stable` (warned about when
# its version differs: the committed ELFs were built with the pinned one).
PINNED_STABLE=1.95.0
if [[ -n ${RVJIT_STABLE:-} ]]; then
    STABLE="$RVJIT_STABLE"
elif rustc "+$PINNED_STABLE" --version >/dev/null 2>&1; then
    STABLE="$PINNED_STABLE"
else
    STABLE=stable
    rustc +stable --version | grep -q "^rustc $PINNED_STABLE " \
        || echo "build-guests: warning: rust $PINNED_STABLE not installed; using $(rustc +stable --version)" >&2
fi
NIGHTLY="${RVJIT_NIGHTLY:-nightly}"
ALL_TARGETS=(riscv32im-unknown-none-elf riscv32imac-unknown-none-elf riscv64imac-unknown-none-elf riscv64im-unknown-none-elf)

check=0 native=1 out="" target_dir="$GUESTS/target"
pkgs=() targets=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --check) check=1 ;;
        --no-native) native=0 ;;
        --guest) pkgs+=("$2"); shift ;;
        --target) targets+=("$2"); shift ;;
        --target-dir) target_dir="$2"; shift ;;
        --out) out="$2"; shift ;;
        -h|--help) sed -n '2,/^set -e/p' "$0" | grep '^#'; exit 0 ;;
        *) echo "build-guests: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
[[ ${#targets[@]} -gt 0 ]] || targets=("${ALL_TARGETS[@]}")
if [[ $native == 1 ]]; then
    has_native=0
    for t in "${targets[@]}"; do [[ $t == native* ]] && has_native=1; done
    [[ $has_native == 1 ]] || targets+=(native)
fi

# Stage the sources at the fixed path (tar keeps mtimes, so incremental builds stay incremental).
STAGE="${RVJIT_GUEST_STAGE:-/tmp/rvjit-guest-src}"
mkdir -p "$STAGE"
exec 9>"$STAGE/.lock"
flock 9
rm -rf "$STAGE/runtime-abi" "$STAGE/guests"
mkdir -p "$STAGE/runtime-abi" "$STAGE/guests"
tar -C "$ROOT/runtime-abi" --exclude=./target -cf - . | tar -C "$STAGE/runtime-abi" -xf -
tar -C "$GUESTS" --exclude=./target --exclude=./bin --exclude=./inputs -cf - . | tar -C "$STAGE/guests" -xf -

# Guest packages and their binaries: every workspace member not under tools/.
mapfile -t bins < <(cd "$STAGE/guests" && cargo "+$STABLE" metadata --no-deps --format-version 1 --offline 2>/dev/null \
    | python3 -c '
import json, sys
m = json.load(sys.stdin)
for p in m["packages"]:
    if "/tools/" in p["manifest_path"]:
        continue
    for t in p["targets"]:
        if "bin" in t["kind"]:
            print(p["name"], t["name"])
' || true)
[[ ${#bins[@]} -gt 0 ]] || { echo "build-guests: cannot list the guest packages (cargo metadata)" >&2; exit 1; }
if [[ ${#pkgs[@]} -eq 0 ]]; then
    mapfile -t pkgs < <(printf '%s\n' "${bins[@]}" | cut -d' ' -f1 | sort -u)
fi

# Reproducibility: no absolute build paths in the output.
sysroot_nightly="$(rustc "+$NIGHTLY" --print sysroot)"
remap="--remap-path-prefix=$STAGE/guests=/guests --remap-path-prefix=$STAGE/runtime-abi=/runtime-abi"
remap+=" --remap-path-prefix=${CARGO_HOME:-$HOME/.cargo}/registry/src=/cargo/registry/src"
remap+=" --remap-path-prefix=$sysroot_nightly/lib/rustlib/src/rust=/rustc/src"

# --check builds exactly the committed lock file; a normal build may update it (copied back).
locked=()
[[ $check == 1 ]] && locked=(--locked)

start=$(date +%s)
cd "$STAGE/guests"
# One cargo invocation per package, so one broken guest does not stop the others (shared
# dependencies are built once per target dir all the same).
failed=()
build() { # target package
    local t="$1" p="$2"
    if [[ $t == native ]]; then
        RUSTFLAGS="$remap" cargo "+$STABLE" build --release "${locked[@]}" -p "$p" --target-dir "$target_dir/native"
    elif [[ $t == native-check ]]; then
        CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 RUSTFLAGS="$remap" \
            cargo "+$STABLE" build --release "${locked[@]}" -p "$p" --target-dir "$target_dir/native-check"
    elif [[ $t == riscv64im-unknown-none-elf ]]; then
        local flags="$remap"
        # Packages with [package.metadata.rvjit] atomic-cas = true (evm): core/alloc/dependencies
        # get the `target_has_atomic` cfgs the spec withholds ("atomic-cas": false), so they
        # have CAS atomics and `alloc::sync`; LLVM (+forced-atomics) lowers the read-modify-writes
        # to `__sync_*` calls, which runtime-abi's `sync-libcalls` feature provides. No A-extension
        # instructions are emitted.
        [[ " ${atomic_cas[*]} " == *" $p "* ]] && flags+=" $atomic_cfgs"
        RUSTFLAGS="$flags" cargo "+$NIGHTLY" build --release "${locked[@]}" -p "$p" --target "$t" \
            --target-dir "$target_dir/nightly" -Zbuild-std=core,alloc -Zbuild-std-features=compiler-builtins-mem
    else
        RUSTFLAGS="$remap" cargo "+$STABLE" build --release "${locked[@]}" -p "$p" --target "$t" --target-dir "$target_dir"
    fi
}
# A package may restrict its targets with [package.metadata.rvjit] targets = [...] (evm needs
# atomics, which riscv32im/riscv64im lack); other targets are skipped, not failed.
mapfile -t restricted < <(cargo "+$STABLE" metadata --no-deps --format-version 1 --offline 2>/dev/null \
    | python3 -c '
import json, sys
for p in json.load(sys.stdin)["packages"]:
    ts = ((p.get("metadata") or {}).get("rvjit") or {}).get("targets")
    if ts is not None:
        print(p["name"], " ".join(ts))
' || true)
supports() { # target package
    local line t="${1/#native-check/native}"
    for line in "${restricted[@]}"; do
        read -r name ts <<<"$line"
        [[ $name == "$2" ]] && { [[ " $ts " == *" $t "* ]]; return; }
    done
    return 0
}
mapfile -t atomic_cas < <(cargo "+$STABLE" metadata --no-deps --format-version 1 --offline 2>/dev/null \
    | python3 -c '
import json, sys
for p in json.load(sys.stdin)["packages"]:
    if ((p.get("metadata") or {}).get("rvjit") or {}).get("atomic-cas"):
        print(p["name"])
' || true)
atomic_cfgs="-A explicit_builtin_cfgs_in_flags --cfg target_has_atomic"
for w in 8 16 32 64 ptr; do atomic_cfgs+=" --cfg target_has_atomic=\"$w\""; done
skipped=()
for t in "${targets[@]}"; do
    t0=$(date +%s)
    for p in "${pkgs[@]}"; do
        if ! supports "$t" "$p"; then
            skipped+=("$t/$p")
            continue
        fi
        build "$t" "$p" || failed+=("$t/$p")
    done
    echo "build-guests: $t built in $(( $(date +%s) - t0 )) s" >&2
done

[[ $check == 1 ]] || cmp -s Cargo.lock "$GUESTS/Cargo.lock" || cp Cargo.lock "$GUESTS/Cargo.lock"

dest="${out:-$GUESTS/bin}"
status=0
for t in "${targets[@]}"; do
    [[ $t == native* ]] && continue
    if [[ $t == riscv64im-unknown-none-elf ]]; then dir="$target_dir/nightly/$t/release"; else dir="$target_dir/$t/release"; fi
    for line in "${bins[@]}"; do
        read -r pkg bin <<<"$line"
        [[ " ${pkgs[*]} " == *" $pkg "* ]] || continue
        [[ " ${failed[*]} " == *" $t/$pkg "* ]] && continue
        [[ " ${skipped[*]} " == *" $t/$pkg "* ]] && continue
        if [[ $check == 1 ]]; then
            if ! cmp -s "$dir/$bin" "$GUESTS/bin/$t/$bin"; then
                echo "build-guests: MISMATCH $t/$bin (rebuilt $(sha256sum < "$dir/$bin" | cut -c1-16), committed $( [[ -f $GUESTS/bin/$t/$bin ]] && sha256sum < "$GUESTS/bin/$t/$bin" | cut -c1-16 || echo missing))" >&2
                status=1
            fi
        else
            mkdir -p "$dest/$t"
            cp "$dir/$bin" "$dest/$t/$bin"
        fi
    done
done

cross=0
for t in "${targets[@]}"; do [[ $t == native* ]] || cross=1; done
if [[ $check == 0 && -z $out && $cross == 1 ]]; then
    {
        echo "# Guest ELFs built by scripts/build-guests.sh; sha256 per file. Toolchains:"
        echo "# stable:  $(rustc "+$STABLE" --version)"
        echo "# nightly: $(rustc "+$NIGHTLY" --version) (riscv64im-unknown-none-elf, -Zbuild-std=core,alloc)"
        (cd "$GUESTS/bin" && find . -type f ! -name MANIFEST ! -name '*.md' | sed 's#^\./##' | LC_ALL=C sort | xargs sha256sum)
    } > "$GUESTS/bin/MANIFEST"
fi
[[ ${#skipped[@]} -eq 0 ]] || echo "build-guests: skipped (not supported by the package): ${skipped[*]}" >&2
if [[ ${#failed[@]} -gt 0 ]]; then
    echo "build-guests: FAILED to build: ${failed[*]}" >&2
    status=1
fi
echo "build-guests: done in $(( $(date +%s) - start )) s" >&2
[[ $check == 0 ]] || { [[ $status == 0 ]] && echo "build-guests: all ELFs match the committed bytes" >&2; }
exit $status

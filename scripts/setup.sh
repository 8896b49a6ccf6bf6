#!/usr/bin/env bash
# One-time, idempotent, non-interactive setup of a fresh Debian machine for rvjit development
# and CI: the GNU RISC-V toolchain and qemu-user (tests cross-check against them), the Rust
# targets the guests are built for, nightly rust-src and cargo-fuzz. Fast when everything is
# present.
set -euo pipefail

log() { printf 'setup: %s\n' "$*" >&2; }

# Root runs apt directly; anyone else needs sudo.
if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi

# ---- system packages (only when a tool is missing) ----------------------------------------
need_pkgs=()
command -v riscv64-unknown-elf-as >/dev/null 2>&1 || need_pkgs+=(binutils-riscv64-unknown-elf)
command -v riscv64-unknown-elf-objdump >/dev/null 2>&1 || need_pkgs+=(binutils-riscv64-unknown-elf)
command -v riscv64-unknown-elf-gcc >/dev/null 2>&1 || need_pkgs+=(gcc-riscv64-unknown-elf)
{ command -v qemu-riscv32 >/dev/null 2>&1 && command -v qemu-riscv64 >/dev/null 2>&1; } || need_pkgs+=(qemu-user)
if [ "${#need_pkgs[@]}" -gt 0 ]; then
    # De-duplicate while keeping the order.
    mapfile -t need_pkgs < <(printf '%s\n' "${need_pkgs[@]}" | awk '!seen[$0]++')
    log "installing ${need_pkgs[*]}"
    export DEBIAN_FRONTEND=noninteractive
    "${SUDO[@]}" apt-get update -q
    "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${need_pkgs[@]}"
else
    log "RISC-V binutils/gcc and qemu-user present"
fi

# ---- Rust ---------------------------------------------------------------------------------
if ! command -v rustup >/dev/null 2>&1; then
    log "rustup not found: install Rust with rustup (https://rustup.rs) first"
    exit 1
fi
targets=(riscv32im-unknown-none-elf riscv32imac-unknown-none-elf riscv64imac-unknown-none-elf)
installed_targets=$(rustup target list --installed)
missing_targets=()
for t in "${targets[@]}"; do
    grep -qx "$t" <<<"$installed_targets" || missing_targets+=("$t")
done
if [ "${#missing_targets[@]}" -gt 0 ]; then
    log "adding Rust targets ${missing_targets[*]}"
    rustup target add "${missing_targets[@]}"
fi
if rustup toolchain list | grep -q '^nightly'; then
    # A no-op when rust-src is already installed.
    rustup component add rust-src --toolchain nightly >/dev/null 2>&1 \
        || rustup component add rust-src --toolchain nightly
else
    log "installing nightly (minimal) with rust-src"
    rustup toolchain install nightly --profile minimal --component rust-src
fi

# ---- cargo-fuzz (scripts/fuzz.sh, the CI fuzz step of scripts/test.sh) ------------------------
if cargo +nightly fuzz --version >/dev/null 2>&1; then
    log "cargo-fuzz present ($(cargo +nightly fuzz --version 2>/dev/null))"
else
    log "installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

# The guest ELFs the tests run are committed under guests/bin/ (scripts/build-guests.sh
# rebuilds them; tests/guests.rs builds the host-native ones itself under CI): nothing to do.

log "done"

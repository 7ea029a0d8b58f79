#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ for N minutes each, one after the other (default 10):
#   bash scripts/fuzz.sh [MINUTES] [TARGET...]
# Not part of scripts/test.sh or CI: it takes N minutes per target and a core while it runs.
# Each target starts from its committed seeds (fuzz/corpus/<target>/) and grows a working corpus
# under fuzz/target/corpus/<target>/ (git-ignored); a crash is saved under fuzz/artifacts/<target>/
# and stops the script with a non-zero status.
#
# cargo-fuzz needs nightly compiler flags (-Z sanitizer, -C passes=sancov-module). On a stable
# toolchain RUSTC_BOOTSTRAP=1 makes rustc accept them. Installs cargo-fuzz once if it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

minutes=${1:-10}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(json_decode sigv4_header jwt_parse webauthn_authdata srp_hex)
fi
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1
# FUZZ_SANITIZER=none when the address sanitizer is not available (see fuzz/README.md).
sanitizer=${FUZZ_SANITIZER:-address}

cd fuzz
for t in "${targets[@]}"; do
  echo "==> $t for $minutes minute(s)"
  mkdir -p "target/corpus/$t"
  cargo fuzz run --sanitizer "$sanitizer" "$t" "target/corpus/$t" "corpus/$t" -- \
    -max_total_time=$((minutes * 60)) -rss_limit_mb=4096 -print_final_stats=1
done

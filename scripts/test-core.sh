#!/usr/bin/env bash
# The Rust workspace: formatting, lints, docs, every crate's tests, and the no_std core
# cross-built for the embedded and wasm targets.
set -euo pipefail
cd "$(dirname "$0")/.."

targets=(thumbv6m-none-eabi thumbv7em-none-eabihf riscv32imc-unknown-none-elf wasm32-unknown-unknown)
installed=$(rustup target list --installed)
for t in "${targets[@]}"; do
  grep -qx "$t" <<<"$installed" || rustup target add "$t"
done
rustup component list --installed | grep -q '^rustfmt' || rustup component add rustfmt
rustup component list --installed | grep -q '^clippy' || rustup component add clippy

echo "== fmt"
cargo fmt --all -- --check
echo "== clippy"
cargo clippy --workspace --all-targets -- -D warnings
# The async layer's optional axum extractor, wss client and WebSockets over HTTP/2
# (their tests run in the conformance part).
cargo clippy -p wsframe-tokio --features axum,rustls,http2 --all-targets -- -D warnings
echo "== doc"
# The C binding is documented by its header; its lib shares the name `wsframe`.
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --exclude wsframe-c
RUSTDOCFLAGS="-D warnings" cargo doc -p wsframe-tokio --no-deps --features axum,rustls,http2
echo "== test"
cargo test --workspace
echo "== core on no_std targets"
for t in "${targets[@]}"; do
  cargo build -p wsframe --target "$t"
  cargo build -p wsframe --target "$t" --release
  # permessage-deflate negotiation is no_std too; its codec needs an allocator.
  cargo build -p wsframe-deflate --no-default-features --target "$t"
  # The embedded-io layer is no_std and allocation-free as well.
  cargo build -p wsframe-embedded-io --target "$t" --release
done
echo "core: ok"

#!/usr/bin/env bash
# The whole test suite. Each part installs what it needs, so this runs on a fresh
# machine; parts that find their tools already installed skip the install.
# Usage: scripts/test-all.sh [part ...]   (default: every part)
set -uo pipefail
cd "$(dirname "$0")/.."

all_parts=(core conformance c npm embedded bench hardening faults)
parts=("${@:-${all_parts[@]}}")
failed=()
summary=()
for part in "${parts[@]}"; do
  script="scripts/test-$part.sh"
  echo "=============== $part"
  start=$(date +%s)
  if bash "$script"; then status=ok; else status=FAILED; failed+=("$part"); fi
  summary+=("$(printf '%-12s %-7s %5ss' "$part" "$status" "$(( $(date +%s) - start ))")")
done
echo "=============== summary"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed: ${failed[*]}"
  exit 1
fi
echo "all parts passed"

#!/usr/bin/env bash
# Holds the module graph of DESIGN.md, which CMake alone does not: a folder may include only the
# folders listed for it. Prints every offending include and exits 1 if there is one.
set -euo pipefail
cd "$(dirname "$0")/../src"

declare -A allowed=(
  [base]="base"
  [config]="base config"
  [canonical]="base canonical"
  [http]="base http"
  [surfaces]="base canonical surfaces"
  [providers]="base config canonical providers"
  [resilience]="base observability resilience"  # logs its own state changes (breakers, incidents)
  [routing]="base canonical config resilience routing"  # canonical: TokenPrice (price.h) only
  [observability]="base observability"
  [sim]="base http sim"
  [policy]="base config policy"
  [store]="base store"
  [accounting]="base config canonical accounting"
)
status=0
for folder in "${!allowed[@]}"; do
  [ -d "$folder" ] || continue
  while IFS=: read -r file line include; do
    target=$(sed -E 's/.*#include "([^/]+)\/.*/\1/' <<<"$include")
    if [[ " ${allowed[$folder]} " != *" $target "* ]]; then
      echo "layering: src/$file:$line includes $target/ (src/$folder may use: ${allowed[$folder]})"
      status=1
    fi
  done < <(grep -rn '#include "[a-z_]*/' "$folder" || true)
done
[ $status -eq 0 ] && echo "layering: OK"
exit $status

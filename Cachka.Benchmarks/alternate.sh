#!/usr/bin/env bash
# Runs two cases of a suite alone (loop mode), alternating, each in its own process, and prints the median
# ns per call, thread CPU per call and their ratio (case / floor). On a shared machine the load moves
# between runs; alternating and taking medians keeps that load out of the ratio.
#   bash Cachka.Benchmarks/alternate.sh ColdMissBenchmarks Floor_StoringDictionary Cachka_GetOrCreate 10 2
set -euo pipefail
suite=$1 floor=$2 case=$3 rounds=${4:-10} seconds=${5:-2}
here=$(cd "$(dirname "$0")" && pwd)
dll="$here/bin/Release/net10.0/Cachka.Benchmarks.dll"
[ -f "$dll" ] || dotnet build -c Release "$here" >/dev/null
runs=$(mktemp)
trap 'rm -f "$runs"' EXIT
for _ in $(seq "$rounds"); do
  for c in "$floor" "$case"; do
    dotnet "$dll" loop "$suite" "$c" "$seconds" | awk -v c="$c" '{ print c, $2, $8 }' >> "$runs"
  done
done
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
fe=$(awk -v c="$floor" '$1 == c { print $2 }' "$runs" | median); fc=$(awk -v c="$floor" '$1 == c { print $3 }' "$runs" | median)
ce=$(awk -v c="$case" '$1 == c { print $2 }' "$runs" | median); cc=$(awk -v c="$case" '$1 == c { print $3 }' "$runs" | median)
awk -v f="$floor" -v c="$case" -v fe="$fe" -v fc="$fc" -v ce="$ce" -v cc="$cc" -v n="$rounds" 'BEGIN {
  printf "%s vs %s, median of %d alternating runs each:\n", c, f, n
  printf "  elapsed    %8.1f ns vs %8.1f ns: %.2fx\n", ce, fe, ce / fe
  printf "  thread CPU %8.1f ns vs %8.1f ns: %.2fx\n", cc, fc, cc / fc }'

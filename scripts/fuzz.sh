#!/usr/bin/env bash
# Fuzzes one of the Jazzer fuzz targets (the apiserver's, and the DNS server's in dns/) (coverage-guided, JAZZER_FUZZ mode) for a while:
#   scripts/fuzz.sh PatchFuzzTest#jsonPatch 10m        (a target: Class#method in apiserver/.../fuzz/ or dns/.../fuzz/)
#   scripts/fuzz.sh all 5m                            (every target in turn, DURATION each)
#   scripts/fuzz.sh list                              (the targets)
# Extra arguments go to libFuzzer (e.g. -runs=10000000 -jobs=1). The normal `mvn test` only replays the corpus
# (src/test/resources/.../fuzz/*Inputs/METHOD/); a crash found here is written there, so it becomes a regression
# seed once fixed. Inputs that took over 100 ms are kept under apiserver/target/fuzz-slow/TARGET/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
target=${1:?usage: scripts/fuzz.sh CLASS#METHOD|all|list DURATION [libFuzzer args]}
duration=${2:-5m}
shift $(( $# >= 2 ? 2 : $# ))
srcs="apiserver/src/test/java/dev/keelson/apiserver/fuzz dns/src/test/java/dev/keelson/dns/fuzz"

targets() {
  for f in $(for s in $srcs; do echo "$s"/*FuzzTest.java; done); do
    c=$(basename "$f" .java)
    grep -A1 '@FuzzTest' "$f" | grep -o 'void [a-zA-Z]*' | sed "s/void /$c#/"
  done
}
if [[ $target == list ]]; then targets; exit 0; fi

seconds() {  # 90s, 5m, 1h -> seconds
  local d=$1
  case $d in
    *h) echo $(( ${d%h} * 3600 ));; *m) echo $(( ${d%m} * 60 ));; *s) echo "${d%s}";; *) echo "$d";;
  esac
}

# module CLASS: the module whose fuzz package holds the class
module() {
  if [[ -f dns/src/test/java/dev/keelson/dns/fuzz/$1.java ]]; then echo dns; else echo apiserver; fi
}

classpath() {  # MODULE
  local m=$1 cpfile=$1/target/fuzz-classpath.txt deps
  mvn -o -B -q -pl "$m" -am test-compile >&2
  mvn -o -B -q -pl "$m" dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$root/$cpfile" >/dev/null
  # component-base from its class directory, not the installed jar, so Jazzer instruments it too (GoDuration)
  deps=$(tr ':' '\n' <"$cpfile" | grep -v '/component-base-' | paste -sd: -)
  echo "$root/$m/target/test-classes:$root/$m/target/classes:$root/component-base/target/classes:$deps"
}

run() {
  local cls=${1%#*} method=${1#*#} log m cp
  shift
  m=$(module "$cls")
  cp=$(classpath "$m")
  log=$root/$m/target/fuzz-$cls-$method.log
  echo "== $cls#$method for $duration (log: ${log#$root/})"
  (cd "$m" && java -Xmx1g -Xss1m -XX:+UseParallelGC -cp "$cp" com.code_intelligence.jazzer.Jazzer \
      --target_class="dev.keelson.$m.fuzz.$cls" --target_method="$method" --hooks=true \
      --instrumentation_includes='dev.keelson.**:io.fabric8.zjsonpatch.**:org.xbill.**' \
      --custom_hook_includes='dev.keelson.**:io.fabric8.zjsonpatch.**:org.xbill.**' \
      -max_total_time="$(seconds "$duration")" -timeout=10 -rss_limit_mb=3072 -print_final_stats=1 "$@") \
      >"$log" 2>&1 && rc=0 || rc=$?
  grep -E '^(Done|stat::number_of_executed_units|stat::average_exec_per_sec|fuzz-slow-inputs)|== Java Exception|FuzzerSecurityIssue|Test unit written|ERROR' "$log" || true
  echo "exit $rc"
  return $rc
}

if [[ $target == all ]]; then
  failed=0
  for t in $(targets); do run "$t" "$@" || failed=1; done
  exit $failed
fi
run "$target" "$@"

#!/usr/bin/env bash
# sysbench's OLTP tests against `arbor sql-server` and PostgreSQL 15, in
# the same run, on the same machine: median latency and transactions per
# second per test and thread count, and Arbor's latency as a multiple of
# PostgreSQL's.
#
#   bash tests/benches/sysbench.sh            # 30 s per test, as reported
#   TIME=5 THREADS="1" TESTS="oltp_point_select" bash tests/benches/sysbench.sh
#
# Needs Debian's sysbench and postgresql (15); PostgreSQL runs from a
# temporary data directory on a spare port with its default durability
# (fsync on, synchronous_commit on), as an unprivileged user.
set -euo pipefail
cd "$(dirname "$0")/../.."

TIME=${TIME:-30}
SIZE=${SIZE:-100000}
THREADS=${THREADS:-"1 4"}
TESTS=${TESTS:-"oltp_point_select oltp_read_only oltp_read_write oltp_update_index oltp_update_non_index oltp_insert oltp_delete select_random_points select_random_ranges"}
ARBOR_PORT=${ARBOR_PORT:-55431}
PG_PORT=${PG_PORT:-55432}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

for tool in sysbench "$PG_BIN/postgres"; do
  command -v "$tool" > /dev/null || { echo "needs $tool (Debian's sysbench and postgresql)" >&2; exit 1; }
done

cargo build --release --bin arbor
arbor=$PWD/target/release/arbor
work=$(mktemp -d)
chmod 755 "$work"
as_pg=()
if [[ $(id -u) -eq 0 ]]; then
  # PostgreSQL refuses to run as root.
  as_pg=(runuser -u postgres --)
fi

cleanup() {
  [[ -n ${arbor_pid:-} ]] && kill "$arbor_pid" 2> /dev/null || true
  "${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$work/pg" -m immediate stop > /dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# PostgreSQL 15, default settings.
mkdir "$work/pg" && [[ ${#as_pg[@]} -gt 0 ]] && chown postgres "$work/pg"
"${as_pg[@]}" "$PG_BIN/initdb" -D "$work/pg" -U sb --auth=trust > /dev/null
"${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$work/pg" -o "-p $PG_PORT -k $work/pg -c listen_addresses=127.0.0.1" -l "$work/pg/server.log" -w start > /dev/null
"${as_pg[@]}" "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U sb sbtest

# Arbor: a repository named sbtest, served.
"$arbor" init "$work/sbtest" > /dev/null
(cd "$work/sbtest" && exec "$arbor" sql-server --port "$ARBOR_PORT" > /dev/null 2> "$work/arbor.log") &
arbor_pid=$!
sleep 1

sb() { # system port test threads action
  sysbench --db-driver=pgsql --pgsql-host=127.0.0.1 --pgsql-port="$2" --pgsql-user=sb \
    --pgsql-db=sbtest --tables=1 --table-size="$SIZE" --threads="$4" --time="$TIME" \
    --percentile=50 "$3" "$5"
}

printf '%-24s %7s %12s %12s %12s %12s %8s\n' test threads "arbor ms" "pg ms" "arbor tps" "pg tps" ratio
for test in $TESTS; do
  for system in arbor pg; do
    port=$ARBOR_PORT; [[ $system == pg ]] && port=$PG_PORT
    sb $system "$port" "$test" 1 cleanup > /dev/null 2>&1 || true
    sb $system "$port" "$test" 1 prepare > /dev/null
  done
  for threads in $THREADS; do
    declare -A ms tps
    for system in arbor pg; do
      port=$ARBOR_PORT; [[ $system == pg ]] && port=$PG_PORT
      out=$(sb $system "$port" "$test" "$threads" run)
      ms[$system]=$(awk '/50th percentile:/ { print $3 }' <<< "$out")
      tps[$system]=$(awk '/transactions:/ { gsub(/\(/, "", $3); print $3 }' <<< "$out")
    done
    ratio=$(awk -v a="${ms[arbor]}" -v p="${ms[pg]}" 'BEGIN { if (p > 0) printf "%.2f", a / p; else print "-" }')
    printf '%-24s %7s %12s %12s %12s %12s %8s\n' "$test" "$threads" "${ms[arbor]}" "${ms[pg]}" "${tps[arbor]}" "${tps[pg]}" "$ratio"
  done
done

#!/bin/sh
# `npm run synth` and cdk8s.yaml's app: the synth program started from its V8 startup snapshot
# (build/bundle/main.snapshot.blob, see tools/synth/snapshot.ts), which proves itself up to date before it
# runs and hands over to `node scripts/run.js main.ts` when it is not. Without a blob, or with one this
# node cannot load (another node version: node exits 14 before running anything), the run goes through
# scripts/run.js, which builds a new blob after it.
root=$(dirname "$0")/..
blob="$root/build/bundle/main.snapshot.blob"
if [ -f "$blob" ]; then
  # The flags are scripts/run.js's SNAPSHOT_FLAGS: node refuses a blob started under other flags.
  node --no-opt --regexp-interpret-all --snapshot-blob "$blob" main.ts "$@"
  status=$?
  # Killed by a signal: end the same way, so whoever started this sees the signal, not a status.
  [ "$status" -gt 128 ] && kill -s "$(kill -l "$status")" $$
  [ "$status" -eq 14 ] || exit "$status"
  echo "synth: this node cannot start the startup snapshot: running without it (rebuilt after this run)" >&2
fi
PEMBAYARAN_REBUILD_SNAPSHOT=1 exec node "$root/scripts/run.js" main.ts "$@"

#!/bin/sh
# The quick crash loop of make check: 10 random mutations, each cut short
# by kill -9 at a random moment, then the restart's state checked (see
# tests/crash-loop.sh, which runs 100 and more by hand:
# ITER=100 SEED=N tests/crash-loop.sh).  A fixed seed, so that a failure
# here can be run again with the same mutations; 363 is one whose 10
# iterations submit, apply, drop, rebuild, push and rebase.
ITER=${ITER:-10}
SEED=${SEED:-363}
export ITER SEED
exec /bin/sh "${top_srcdir:-$(dirname "$0")/..}/tests/crash-loop.sh"

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTHULHU_FUZZ_H
#define CTHULHU_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/*
 * A fuzz target: libFuzzer's entry points.  Each tests/fuzz/fuzz-*.c
 * defines LLVMFuzzerTestOneInput() and may define LLVMFuzzerInitialize();
 * it links either with libFuzzer (./configure --enable-fuzzing, clang)
 * or with replay.c, whose main() feeds it every file it is given, so
 * that `make check` replays the regression corpus with any compiler.
 */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A private directory for the target's files, removed at exit. */
const char *fuzz_tmpdir(void);

#endif

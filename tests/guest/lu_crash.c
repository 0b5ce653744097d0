/* linux-user: one way to misbehave per argument (segv, illegal instruction, jump to unmapped memory,
 * ebreak, abort, stack overflow) plus small checks of the environment, argv0, strace and ENOSYS. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#pragma GCC diagnostic ignored "-Winfinite-recursion"
static int recurse(volatile char *p) {
    volatile char buf[4096];
    buf[0] = p ? p[0] + 1 : 0;
    return recurse(buf) + buf[1];
}

int main(int argc, char **argv) {
    const char *what = argc > 1 ? argv[1] : "ok";
    setvbuf(stdout, NULL, _IONBF, 0);
    if (!strcmp(what, "ok")) { write(1, "ok\n", 3); return 0; }
    if (!strcmp(what, "env")) {
        printf("argv0=%s\n", argv[0]);
        printf("LU_A=%s\n", getenv("LU_A") ? getenv("LU_A") : "(null)");
        printf("LU_B=%s\n", getenv("LU_B") ? getenv("LU_B") : "(null)");
        printf("HOME %s\n", getenv("HOME") ? "set" : "unset");
        return 0;
    }
    if (!strcmp(what, "enosys")) {
        long r = syscall(4095);
        printf("enosys %ld %d\n", r, errno);
        return 0;
    }
    printf("crash: %s\n", what);
    if (!strcmp(what, "segv")) *(volatile long *)(long)argc = 0;
    if (!strcmp(what, "ill")) __asm__ volatile(".word 0");
    if (!strcmp(what, "jump")) ((void (*)(void))0x12345678)();
    if (!strcmp(what, "ebreak")) __asm__ volatile("ebreak");
    if (!strcmp(what, "abort")) abort();
    if (!strcmp(what, "stack")) return recurse(NULL);
    return 1;
}

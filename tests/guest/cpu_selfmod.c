/* Code generated at run time: written to an RWX mapping, made visible with __builtin___clear_cache (the
 * riscv_flush_icache syscall), executed, rewritten, flushed and executed again. */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

typedef long (*fn)(long);

static void emit(unsigned *code, int k) {
    code[0] = 0x00050513 | ((unsigned) k & 0xfff) << 20;   /* addi a0, a0, k */
    code[1] = 0x00008067;                                     /* ret */
}

int main(void) {
    unsigned *code = mmap(0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (code == MAP_FAILED) { perror("mmap"); return 1; }
    fn f = (fn) (void *) code;
    long total = 0;
    for (int k = 1; k <= 50; k++) {
        emit(code, k);
        __builtin___clear_cache((char *) code, (char *) (code + 2));
        long r = f(1000);
        total += r;
        if (k % 10 == 0) printf("k=%d f(1000)=%ld\n", k, r);
    }
    printf("total %ld\n", total);
    /* the same through munmap/mmap at the same address */
    munmap(code, 4096);
    unsigned *again = mmap(code, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    emit(again, 77);
    __builtin___clear_cache((char *) again, (char *) (again + 2));
    printf("remapped f(1)=%ld\n", ((fn) (void *) again)(1));
    return 0;
}

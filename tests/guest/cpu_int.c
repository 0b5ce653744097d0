/* Integer code as compilers emit it: 128-bit arithmetic, division edge cases, bit tricks, sorting, hashing. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile long vz = 0, vm1 = -1, vmin = LONG_MIN;
static volatile int iz = 0, im1 = -1, imin = INT_MIN;

static int cmp(const void *a, const void *b) { long x = *(const long *) a, y = *(const long *) b; return (x > y) - (x < y); }

int main(void) {
    uint64_t s = 88172645463325252ULL, h = 1469598103934665603ULL;
    __int128 acc = 0;
    unsigned __int128 uacc = 1;
    for (int i = 0; i < 100000; i++) {
        s ^= s << 13; s ^= s >> 7; s ^= s << 17;
        acc += (__int128) (int64_t) s * (int64_t) (s >> 3);
        uacc = uacc * (s | 1) + (s >> 11);
        h = (h ^ (s & 0xff)) * 1099511628211ULL;
        h += __builtin_popcountll(s) + __builtin_clzll(s | 1) + __builtin_ctzll(s | (1ULL << 63));
        h ^= (uint64_t) ((int64_t) s / (int64_t) ((s >> 40) | 1)) + (s % ((s >> 50) + 7)) + ((uint32_t) s >> (s & 31));
        h += (uint64_t) (int32_t) ((int32_t) s / (int32_t) ((s >> 33) | 1)) + __builtin_bswap64(s) + (uint16_t) (s >> 5);
    }
    printf("acc %016llx%016llx\n", (unsigned long long) (acc >> 64), (unsigned long long) acc);
    printf("uacc %016llx%016llx\n", (unsigned long long) (uacc >> 64), (unsigned long long) uacc);
    printf("hash %016llx\n", (unsigned long long) h);
    long q1, r1, q2, r2; unsigned long q3, r3; int q4, r4;
    asm volatile("div %0,%2,%3\n rem %1,%2,%3" : "=&r"(q1), "=&r"(r1) : "r"(7L), "r"(vz));
    asm volatile("div %0,%2,%3\n rem %1,%2,%3" : "=&r"(q2), "=&r"(r2) : "r"(vmin), "r"(vm1));
    asm volatile("divu %0,%2,%3\n remu %1,%2,%3" : "=&r"(q3), "=&r"(r3) : "r"(-7L), "r"(vz));
    asm volatile("divw %0,%2,%3\n remw %1,%2,%3" : "=&r"(q4), "=&r"(r4) : "r"((long) imin), "r"((long) im1));
    printf("edge %ld %ld %ld %ld %lu %lu %d %d\n", q1, r1, q2, r2, q3, r3, q4, r4);
    long arr[2000];
    for (int i = 0; i < 2000; i++) { s ^= s << 13; s ^= s >> 7; s ^= s << 17; arr[i] = (long) s >> (i % 40); }
    qsort(arr, 2000, sizeof arr[0], cmp);
    long chk = 0;
    for (int i = 0; i < 2000; i++) chk = chk * 31 + arr[i];
    printf("sorted %ld %ld %ld\n", arr[0], arr[1999], chk);
    char buf[256], buf2[256];
    for (int i = 0; i < 255; i++) buf[i] = (char) ('a' + i % 26);
    buf[255] = 0;
    memmove(buf + 3, buf, 200);
    strcpy(buf2, buf + 10);
    printf("str %zu %d %.20s %s\n", strlen(buf2), strcmp(buf, buf2), buf2, strstr(buf, "xyzab") ? "found" : "none");
    return 0;
}

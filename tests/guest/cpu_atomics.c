/* C11 atomics and a spinlock across threads: the totals are deterministic. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#define THREADS 4
#define ITERS 50000

static atomic_long counter;
static atomic_int counter32;
static atomic_long maxv;
static atomic_flag lock = ATOMIC_FLAG_INIT;
static long plain;
static long cas_counter;

static void *work(void *arg) {
    long id = (long) arg;
    for (int i = 0; i < ITERS; i++) {
        atomic_fetch_add(&counter, 1);
        atomic_fetch_add_explicit(&counter32, 2, memory_order_relaxed);
        long v = id * ITERS + i, cur = atomic_load(&maxv);
        while (v > cur && !atomic_compare_exchange_weak(&maxv, &cur, v)) {}
        while (atomic_flag_test_and_set_explicit(&lock, memory_order_acquire)) {}
        plain++;
        atomic_flag_clear_explicit(&lock, memory_order_release);
        long c = __atomic_load_n(&cas_counter, __ATOMIC_RELAXED);
        while (!__atomic_compare_exchange_n(&cas_counter, &c, c + 3, 1, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) {}
    }
    return 0;
}

int main(void) {
    pthread_t t[THREADS];
    for (long i = 0; i < THREADS; i++) pthread_create(&t[i], 0, work, (void *) i);
    for (int i = 0; i < THREADS; i++) pthread_join(t[i], 0);
    printf("counter %ld counter32 %d max %ld plain %ld cas %ld\n", atomic_load(&counter), atomic_load(&counter32),
           atomic_load(&maxv), plain, cas_counter);
    long x = 5;
    printf("xchg %ld %ld\n", __atomic_exchange_n(&x, 9, __ATOMIC_SEQ_CST), x);
    printf("and %ld or %ld xor %ld\n", __atomic_fetch_and(&x, 3, __ATOMIC_SEQ_CST), __atomic_fetch_or(&x, 12, __ATOMIC_SEQ_CST),
           __atomic_fetch_xor(&x, 5, __ATOMIC_SEQ_CST));
    printf("final %ld\n", x);
    return 0;
}

/* linux-user: pthreads (clone, futex via mutex/condvar/join), atomics (AMO, LR/SC) across threads, TLS. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/syscall.h>

#define THREADS 4
#define ITERS 20000

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long locked_counter;
static atomic_long amo_counter;
static long cas_counter;
static __thread int tls_value;
static int ready, go;
static int tids_distinct[THREADS];

static void *worker(void *arg) {
    int id = (int)(long)arg;
    tls_value = id * 10;
    tids_distinct[id] = (int)syscall(SYS_gettid);
    pthread_mutex_lock(&mu);
    ready++;
    pthread_cond_broadcast(&cv);
    while (!go) pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    for (int i = 0; i < ITERS; i++) {
        pthread_mutex_lock(&mu);
        locked_counter++;
        pthread_mutex_unlock(&mu);
        atomic_fetch_add(&amo_counter, 1);
        long old = __atomic_load_n(&cas_counter, __ATOMIC_RELAXED);
        while (!__atomic_compare_exchange_n(&cas_counter, &old, old + 1, 1, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) {}
    }
    return (void *)(long)(tls_value + 1);
}

int main(void) {
    pthread_t th[THREADS];
    tls_value = -1;
    for (long i = 0; i < THREADS; i++) pthread_create(&th[i], NULL, worker, (void *)i);
    pthread_mutex_lock(&mu);
    while (ready < THREADS) pthread_cond_wait(&cv, &mu);
    go = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    long sum = 0;
    for (int i = 0; i < THREADS; i++) {
        void *r;
        pthread_join(th[i], &r);
        sum += (long)r;
    }
    int distinct = 1;
    for (int i = 0; i < THREADS; i++) {
        if (tids_distinct[i] == getpid()) distinct = 0;
        for (int j = 0; j < i; j++) if (tids_distinct[i] == tids_distinct[j]) distinct = 0;
    }
    printf("mutex counter %ld\n", locked_counter);
    printf("amo counter %ld\n", (long)amo_counter);
    printf("cas counter %ld\n", cas_counter);
    printf("tls results %ld main tls %d\n", sum, tls_value);
    printf("tids distinct %d\n", distinct);
    /* a detached thread that exits while main waits on a semaphore-like flag */
    return 0;
}

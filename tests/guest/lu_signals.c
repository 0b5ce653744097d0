/* linux-user: signal handlers, masks, sigaltstack, SIGSEGV recovery with siglongjmp, alarm, sigsuspend. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <unistd.h>

static volatile sig_atomic_t got;
static volatile int depth_on_alt;
static sigjmp_buf jb;
static void *volatile fault_addr;
static char *altstack;

static void on_usr1(int sig) { got = sig; }

static void on_info(int sig, siginfo_t *si, void *uc) {
    (void)uc;
    got = sig * 100 + si->si_code;
}

static void on_segv(int sig, siginfo_t *si, void *uc) {
    (void)uc;
    char here;
    depth_on_alt = (&here >= altstack && &here < altstack + 65536);
    fault_addr = si->si_addr;
    got = sig;
    siglongjmp(jb, 1);
}

static void on_alarm(int sig) { got = sig; }

static volatile long fp_check;
static void on_usr2(int sig) {
    volatile double x = 1.5;
    for (int i = 0; i < 10; i++) x = x * 1.25 + sig;
    fp_check = (long)x;
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    printf("raise handled %d\n", got);

    /* blocked signals stay pending until unblocked */
    sigset_t set, old, pend;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, &old);
    got = 0;
    kill(getpid(), SIGUSR1);
    sigpending(&pend);
    printf("pending while blocked %d got %d\n", sigismember(&pend, SIGUSR1), got);
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("after unblock got %d\n", got);

    /* SA_SIGINFO with si_code from tgkill */
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_info;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR2, &sa, NULL);
    got = 0;
    raise(SIGUSR2);
    printf("siginfo code %d\n", got);

    /* FP and integer state survive a handler */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr2;
    sigaction(SIGUSR2, &sa, NULL);
    volatile double keep = 3.25;
    long regs_keep = 12345;
    raise(SIGUSR2);
    printf("fp preserved %.2f %ld handler fp %ld\n", keep * 2, regs_keep, fp_check);

    /* SIGSEGV on the alternate stack, recovered with siglongjmp */
    altstack = malloc(65536);
    stack_t ss = {.ss_sp = altstack, .ss_size = 65536, .ss_flags = 0};
    printf("sigaltstack %d\n", sigaltstack(&ss, NULL));
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigaction(SIGSEGV, &sa, NULL);
    for (int round = 0; round < 3; round++) {
        got = 0;
        if (sigsetjmp(jb, 1) == 0) {
            *(volatile int *)(long)(0x1000 + round * 8) = 1;
            printf("no fault?\n");
        } else {
            printf("segv recovered %d addr %p on altstack %d\n", got, fault_addr, depth_on_alt);
        }
    }
    /* write to a read-only page: SEGV_ACCERR */
    char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (sigsetjmp(jb, 1) == 0) {
        ro[5] = 1;
    } else {
        printf("ro write fault offset %ld\n", (long)((char *)fault_addr - ro));
    }
    mprotect(ro, 4096, PROT_READ | PROT_WRITE);
    ro[5] = 7;
    printf("after mprotect %d\n", ro[5]);
    munmap(ro, 4096);
    if (sigsetjmp(jb, 1) == 0) {
        printf("%d\n", ro[5]);
    } else {
        printf("after munmap fault ok %d\n", fault_addr == ro + 5);
    }
    sigset_t cur;
    sigprocmask(SIG_SETMASK, NULL, &cur);
    printf("segv unblocked after longjmp %d\n", !sigismember(&cur, SIGSEGV));

    /* alarm + pause */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    got = 0;
    struct itimerval it = {{0, 0}, {0, 50000}};
    setitimer(ITIMER_REAL, &it, NULL);
    pause();
    printf("alarm via pause %d\n", got);

    /* sigsuspend with SIGUSR1 blocked and then sent */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    sigprocmask(SIG_BLOCK, &set, &old);
    kill(getpid(), SIGUSR1);
    got = 0;
    sigset_t empty;
    sigemptyset(&empty);
    int r = sigsuspend(&empty);
    printf("sigsuspend %d errno %d got %d\n", r, errno, got);
    sigprocmask(SIG_SETMASK, NULL, &cur);
    printf("mask restored %d\n", sigismember(&cur, SIGUSR1));
    sigprocmask(SIG_SETMASK, &old, NULL);

    /* SA_RESETHAND: second raise hits the default (ignored for SIGCHLD-like? use SIGURG default ignore) */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGURG, &sa, NULL);
    got = 0;
    raise(SIGURG);
    printf("resethand first %d\n", got);
    got = 0;
    raise(SIGURG);
    printf("resethand second %d\n", got);
    struct sigaction q;
    sigaction(SIGURG, NULL, &q);
    printf("handler now default %d\n", q.sa_handler == SIG_DFL);

    /* ignored signal */
    signal(SIGUSR1, SIG_IGN);
    raise(SIGUSR1);
    printf("ignored ok\n");
    printf("sigaction SIGKILL %d errno %d\n", sigaction(SIGKILL, &sa, NULL), errno);
    /* finally die of SIGTERM's default action */
    signal(SIGTERM, SIG_DFL);
    raise(SIGTERM);
    printf("not reached\n");
    return 0;
}

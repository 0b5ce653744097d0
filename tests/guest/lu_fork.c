/* linux-user: fork, pipes between processes, wait statuses (differential against qemu-riscv64). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "child") == 0) {
        printf("exec'd child argc %d arg %s env %s\n", argc, argc > 2 ? argv[2] : "-", getenv("LU_VAR") ? getenv("LU_VAR") : "unset");
        return 42;
    }
    setvbuf(stdout, NULL, _IONBF, 0);
    int heap_value = 5;
    pid_t pid = fork();
    if (pid == 0) {
        heap_value = 99;
        printf("child sees %d ppid ok %d\n", heap_value, getppid() > 1);
        _exit(7);
    }
    int st;
    pid_t w = waitpid(pid, &st, 0);
    printf("parent waited %d exited %d status %d value %d\n", w == pid, WIFEXITED(st), WEXITSTATUS(st), heap_value);

    /* a pipe from child to parent */
    int p[2];
    pipe(p);
    pid = fork();
    if (pid == 0) {
        close(p[0]);
        for (int i = 0; i < 1000; i++) dprintf(p[1], "line %d\n", i);
        _exit(0);
    }
    close(p[1]);
    char buf[4096];
    long total = 0, n;
    while ((n = read(p[0], buf, sizeof buf)) > 0) total += n;
    close(p[0]);
    waitpid(pid, &st, 0);
    printf("piped bytes %ld\n", total);

    /* child killed by a signal */
    pid = fork();
    if (pid == 0) {
        raise(SIGKILL);
        _exit(1);
    }
    waitpid(pid, &st, 0);
    printf("signaled %d sig %d\n", WIFSIGNALED(st), WTERMSIG(st));
    pid = fork();
    if (pid == 0) {
        *(volatile int *)0 = 1;
        _exit(1);
    }
    waitpid(pid, &st, 0);
    printf("segv child signaled %d sig %d\n", WIFSIGNALED(st), WTERMSIG(st));

    /* wait with no children */
    printf("wait no child %d errno %d\n", wait(&st), errno);
    return 3;
}

/* linux-user: execve of riscv64 programs in place (same pid), #! scripts, errors, vfork and posix_spawn.
 * qemu-riscv64 needs binfmt_misc to exec riscv64 programs, so the test checks Linux's expected output. */
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
    if (argc > 1 && strcmp(argv[1], "pid") == 0) return getpid() & 0xff;
    setvbuf(stdout, NULL, _IONBF, 0);
    int st;
    pid_t pid;
    /* fork + execve of ourselves */
    pid = fork();
    if (pid == 0) {
        char *av[] = {argv[0], "child", "x y", NULL};
        char *ev[] = {"LU_VAR=hello", NULL};
        execve("/proc/self/exe", av, ev);
        printf("execve failed %d\n", errno);
        _exit(1);
    }
    waitpid(pid, &st, 0);
    printf("exec child status %d\n", WEXITSTATUS(st));

    /* execve errors */
    char *av2[] = {"nope", NULL};
    printf("execve missing %d errno %d\n", execve("/nonexistent/prog", av2, environ), errno);
    int fd = open("/tmp/lu_fork_notexec.txt", O_CREAT | O_TRUNC | O_WRONLY, 0755);
    write(fd, "just text\n", 10);
    close(fd);
    printf("execve plain text %d errno %d\n", execve("/tmp/lu_fork_notexec.txt", av2, environ), errno);
    unlink("/tmp/lu_fork_notexec.txt");

    /* vfork + exec */
    pid = vfork();
    if (pid == 0) {
        char *av[] = {argv[0], "child", "vfork", NULL};
        execve(argv[0], av, environ);
        _exit(127);
    }
    waitpid(pid, &st, 0);
    printf("vfork child status %d\n", WEXITSTATUS(st));

    /* posix_spawn (glibc: clone(CLONE_VM|CLONE_VFORK)) */
    char *av3[] = {argv[0], "child", "spawn", NULL};
    int r = posix_spawn(&pid, argv[0], NULL, NULL, av3, environ);
    waitpid(pid, &st, 0);
    printf("posix_spawn %d status %d\n", r, WEXITSTATUS(st));

    /* exec keeps the pid */
    int p[2];
    pipe(p);
    pid = fork();
    if (pid == 0) {
        dprintf(p[1], "%d", getpid());
        char *av[] = {argv[0], "pid", NULL};
        execve(argv[0], av, environ);
        _exit(1);
    }
    close(p[1]);
    char b[32] = {0};
    read(p[0], b, sizeof b - 1);
    waitpid(pid, &st, 0);
    printf("pid kept %d\n", WEXITSTATUS(st) == (atoi(b) & 0xff));
    /* a #! script run by the guest shell given as argv[2] */
    if (argc > 1) {
        int fd = open("/tmp/lu_exec_script.sh", O_CREAT | O_TRUNC | O_WRONLY, 0755);
        dprintf(fd, "#!%s sh\necho script args: \"$@\"\nexit 5\n", argv[1]);
        close(fd);
        pid = fork();
        if (pid == 0) {
            char *av[] = {"/tmp/lu_exec_script.sh", "one", "two", NULL};
            execve(av[0], av, environ);
            _exit(1);
        }
        waitpid(pid, &st, 0);
        printf("script status %d\n", WEXITSTATUS(st));
        unlink("/tmp/lu_exec_script.sh");
    }
    return 0;
}

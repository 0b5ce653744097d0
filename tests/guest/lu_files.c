/* linux-user: files, directories, pipes, polling, identity syscalls. Prints results that must match qemu-riscv64. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

static void *volatile bad_ptr = (void *)8;

static int cmp(const void *a, const void *b) { return strcmp(*(char **)a, *(char **)b); }

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : "/tmp/lu_files_test";
    char path[512];
    struct utsname u;
    uname(&u);
    printf("machine %s\n", u.machine);
    {
        char eb[512] = {0};
        ssize_t rl2 = readlink("/proc/self/exe", eb, sizeof eb);
        printf("proc self exe %d %s\n", rl2 > 0, strrchr(eb, '/') ? strrchr(eb, '/') + 1 : eb);
    }
    mkdir(dir, 0755);
    if (chdir(dir) != 0) { perror("chdir"); return 1; }
    char cwd[512];
    printf("getcwd ok %d\n", getcwd(cwd, sizeof cwd) != NULL && strcmp(cwd, dir) == 0);
    umask(022);
    int fd = open("a.txt", O_CREAT | O_TRUNC | O_RDWR, 0666);
    printf("open %d\n", fd >= 3);
    const char *msg = "hello, linux-user\n";
    printf("write %zd\n", write(fd, msg, strlen(msg)));
    struct iovec iov[2] = {{"abc", 3}, {"defg\n", 5}};
    printf("writev %zd\n", writev(fd, iov, 2));
    printf("lseek %ld\n", (long)lseek(fd, 0, SEEK_CUR));
    char buf[128] = {0};
    printf("pread %zd '%.5s'\n", pread(fd, buf, 5, 7), buf);
    printf("pwrite %zd\n", pwrite(fd, "XY", 2, 0));
    struct stat st;
    fstat(fd, &st);
    printf("fstat size %ld mode %o nlink %ld reg %d\n", (long)st.st_size, st.st_mode & 0777, (long)st.st_nlink, S_ISREG(st.st_mode));
    printf("ftruncate %d\n", ftruncate(fd, 10));
    stat("a.txt", &st);
    printf("stat size %ld\n", (long)st.st_size);
    lseek(fd, 0, SEEK_SET);
    memset(buf, 0, sizeof buf);
    char b1[4] = {0}, b2[8] = {0};
    struct iovec riov[2] = {{b1, 3}, {b2, 7}};
    printf("readv %zd '%s' '%s'\n", readv(fd, riov, 2), b1, b2);
    close(fd);
    printf("close again %d errno %d\n", close(fd), errno);
    printf("fchmodat %d\n", fchmodat(AT_FDCWD, "a.txt", 0600, 0));
    stat("a.txt", &st);
    printf("mode %o\n", st.st_mode & 0777);
    struct timespec ts[2] = {{1000000000, 0}, {1234567890, 500}};
    printf("utimensat %d\n", utimensat(AT_FDCWD, "a.txt", ts, 0));
    stat("a.txt", &st);
    printf("mtime %ld %ld\n", (long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec);
    printf("access %d %d\n", access("a.txt", R_OK), access("nope", F_OK) == -1 && errno == ENOENT);
    printf("symlink %d\n", symlink("a.txt", "link"));
    memset(buf, 0, sizeof buf);
    printf("readlink %zd %s\n", readlink("link", buf, sizeof buf), buf);
    lstat("link", &st);
    printf("lstat link %d\n", S_ISLNK(st.st_mode));
    printf("rename %d\n", rename("a.txt", "b.txt"));
    printf("mkdir %d %d\n", mkdir("sub", 0700), mkdir("sub", 0700) == -1 && errno == EEXIST);
    for (int i = 0; i < 5; i++) {
        snprintf(path, sizeof path, "sub/f%d", i);
        close(open(path, O_CREAT | O_WRONLY, 0644));
    }
    DIR *d = opendir("sub");
    char *names[16];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 16) names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, n, sizeof *names, cmp);
    printf("readdir");
    for (int i = 0; i < n; i++) printf(" %s", names[i]);
    printf("\n");
    for (int i = 0; i < 5; i++) { snprintf(path, sizeof path, "sub/f%d", i); unlink(path); }
    printf("rmdir %d\n", rmdir("sub"));
    printf("open missing %d errno %d\n", open("missing/x", O_RDONLY), errno);
    printf("openat bad dirfd %d errno %d\n", openat(12345, "x", O_RDONLY), errno);
    /* sendfile and copy_file_range */
    int src = open("b.txt", O_RDONLY), dst = open("c.txt", O_CREAT | O_TRUNC | O_WRONLY, 0644);
    printf("sendfile %zd\n", sendfile(dst, src, NULL, 100));
    close(dst);
    lseek(src, 0, SEEK_SET);
    dst = open("d.txt", O_CREAT | O_TRUNC | O_WRONLY, 0644);
    ssize_t cfr = copy_file_range(src, NULL, dst, NULL, 100, 0);
    printf("copy_file_range %zd\n", cfr);
    close(src); close(dst);
    /* pipes, dup, fcntl, poll, select */
    int p[2];
    printf("pipe2 %d\n", pipe2(p, O_CLOEXEC));
    printf("cloexec %d\n", fcntl(p[0], F_GETFD) & FD_CLOEXEC);
    int d2 = dup(p[1]);
    printf("dup ok %d\n", d2 > p[1] || d2 > 2);
    printf("dup3 %d\n", dup3(p[1], 40, 0));
    printf("F_DUPFD %d\n", fcntl(p[1], F_DUPFD, 50));
    struct pollfd pf = {p[0], POLLIN, 0};
    printf("poll empty %d\n", poll(&pf, 1, 0));
    write(40, "x", 1);
    printf("poll ready %d revents %d\n", poll(&pf, 1, 100), pf.revents);
    fd_set rs;
    FD_ZERO(&rs);
    FD_SET(p[0], &rs);
    struct timeval tv = {1, 0};
    printf("select %d isset %d\n", select(p[0] + 1, &rs, NULL, NULL, &tv), FD_ISSET(p[0], &rs));
    printf("read pipe %zd\n", read(p[0], buf, 10));
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    printf("nonblock read %zd errno %d\n", read(p[0], buf, 10), errno);
    close(p[1]); close(d2); close(40); close(50);
    printf("eof read %zd\n", read(p[0], buf, 10));
    /* time, random, limits */
    struct timespec t1, t2;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    struct timespec sl = {0, 20 * 1000 * 1000};
    nanosleep(&sl, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t2);
    long ms = (t2.tv_sec - t1.tv_sec) * 1000 + (t2.tv_nsec - t1.tv_nsec) / 1000000;
    printf("slept >= 20ms %d\n", ms >= 20);
    struct timeval now;
    gettimeofday(&now, NULL);
    printf("time sane %d\n", now.tv_sec > 1600000000);
    unsigned char rnd[32];
    printf("getrandom %zd\n", getrandom(rnd, sizeof rnd, 0));
    struct rlimit rl;
    printf("getrlimit %d\n", getrlimit(RLIMIT_NOFILE, &rl));
    struct sysinfo si;
    printf("sysinfo %d %d\n", sysinfo(&si), si.mem_unit >= 1);
    printf("pid sane %d tid==pid %d\n", getpid() > 1, gettid() == getpid());
    printf("bad pointer write %zd errno %d\n", write(1, bad_ptr, 10), errno);
    printf("bad pointer stat %d errno %d\n", stat((char *)16, &st), errno);
    unlink("b.txt"); unlink("c.txt"); unlink("d.txt"); unlink("link");
    chdir("/");
    printf("rmdir top %d\n", rmdir(dir));
    return 0;
}

package org.jemu.linuxuser;

/** Linux errno values (asm-generic; identical on x86_64 and riscv64) with their names and strerror texts. */
public final class Errno {
    private Errno() {}

    public static final int EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, ENXIO = 6, E2BIG = 7, ENOEXEC = 8,
            EBADF = 9, ECHILD = 10, EAGAIN = 11, ENOMEM = 12, EACCES = 13, EFAULT = 14, EBUSY = 16, EEXIST = 17,
            EXDEV = 18, ENODEV = 19, ENOTDIR = 20, EISDIR = 21, EINVAL = 22, ENFILE = 23, EMFILE = 24, ENOTTY = 25,
            ETXTBSY = 26, EFBIG = 27, ENOSPC = 28, ESPIPE = 29, EROFS = 30, EMLINK = 31, EPIPE = 32, EDOM = 33,
            ERANGE = 34, EDEADLK = 35, ENAMETOOLONG = 36, ENOLCK = 37, ENOSYS = 38, ENOTEMPTY = 39, ELOOP = 40,
            ENODATA = 61, ETIME = 62, EOVERFLOW = 75, ENOTSOCK = 88, EOPNOTSUPP = 95, ETIMEDOUT = 110,
            ERESTARTSYS = 512;

    private static final String[][] TABLE = new String[134][];
    static {
        put(1, "EPERM", "Operation not permitted"); put(2, "ENOENT", "No such file or directory");
        put(3, "ESRCH", "No such process"); put(4, "EINTR", "Interrupted system call"); put(5, "EIO", "Input/output error");
        put(6, "ENXIO", "No such device or address"); put(7, "E2BIG", "Argument list too long");
        put(8, "ENOEXEC", "Exec format error"); put(9, "EBADF", "Bad file descriptor"); put(10, "ECHILD", "No child processes");
        put(11, "EAGAIN", "Resource temporarily unavailable"); put(12, "ENOMEM", "Cannot allocate memory");
        put(13, "EACCES", "Permission denied"); put(14, "EFAULT", "Bad address"); put(15, "ENOTBLK", "Block device required");
        put(16, "EBUSY", "Device or resource busy"); put(17, "EEXIST", "File exists"); put(18, "EXDEV", "Invalid cross-device link");
        put(19, "ENODEV", "No such device"); put(20, "ENOTDIR", "Not a directory"); put(21, "EISDIR", "Is a directory");
        put(22, "EINVAL", "Invalid argument"); put(23, "ENFILE", "Too many open files in system");
        put(24, "EMFILE", "Too many open files"); put(25, "ENOTTY", "Inappropriate ioctl for device");
        put(26, "ETXTBSY", "Text file busy"); put(27, "EFBIG", "File too large"); put(28, "ENOSPC", "No space left on device");
        put(29, "ESPIPE", "Illegal seek"); put(30, "EROFS", "Read-only file system"); put(31, "EMLINK", "Too many links");
        put(32, "EPIPE", "Broken pipe"); put(33, "EDOM", "Numerical argument out of domain");
        put(34, "ERANGE", "Numerical result out of range"); put(35, "EDEADLK", "Resource deadlock avoided");
        put(36, "ENAMETOOLONG", "File name too long"); put(37, "ENOLCK", "No locks available");
        put(38, "ENOSYS", "Function not implemented"); put(39, "ENOTEMPTY", "Directory not empty");
        put(40, "ELOOP", "Too many levels of symbolic links"); put(61, "ENODATA", "No data available");
        put(62, "ETIME", "Timer expired"); put(75, "EOVERFLOW", "Value too large for defined data type");
        put(88, "ENOTSOCK", "Socket operation on non-socket"); put(95, "EOPNOTSUPP", "Operation not supported");
        put(97, "EAFNOSUPPORT", "Address family not supported by protocol"); put(98, "EADDRINUSE", "Address already in use");
        put(104, "ECONNRESET", "Connection reset by peer"); put(107, "ENOTCONN", "Transport endpoint is not connected");
        put(110, "ETIMEDOUT", "Connection timed out"); put(111, "ECONNREFUSED", "Connection refused");
        put(115, "EINPROGRESS", "Operation now in progress");
    }

    private static void put(int n, String name, String msg) { TABLE[n] = new String[] {name, msg}; }

    public static String name(int e) {
        return e > 0 && e < TABLE.length && TABLE[e] != null ? TABLE[e][0] : "errno " + e;
    }

    public static String message(int e) {
        return e > 0 && e < TABLE.length && TABLE[e] != null ? TABLE[e][1] : "Unknown error " + e;
    }
}

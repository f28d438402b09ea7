package dupex.linux;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.annotations.Variadic;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;
import jnr.ffi.types.u_int64_t;

/** The libc functions dupex calls; every one saves errno so it can be read right after the call. */
public interface LibC {
  @SaveError int open(CharSequence path, int flags);

  @SaveError int close(int fd);

  @SaveError @Variadic(fixedCount = 2) int ioctl(int fd, @u_int64_t long request, Pointer arg);

  @SaveError int statx(int dirfd, CharSequence path, int flags, int mask, Pointer buf);

  @SaveError int fstatfs(int fd, Pointer buf);

  @SaveError @ssize_t long pread(int fd, Pointer buf, @size_t long count, @off_t long offset);

  /** Returns the error number itself (not -1 and errno). */
  int posix_fadvise(int fd, @off_t long offset, @off_t long length, int advice);

  int isatty(int fd);

  @SaveError int syncfs(int fd);

  @SaveError @ssize_t long pwrite(int fd, Pointer buf, @size_t long count, @off_t long offset);

  @SaveError int fsync(int fd);

  /** open(2) with a mode, for O_TMPFILE (open is variadic: two fixed arguments). */
  @SaveError @Variadic(fixedCount = 2) int open(CharSequence path, int flags, int mode);

  @SaveError int flock(int fd, int operation);

  String strerror(int errnum);

  /** openat(2) on a NUL-terminated byte path. */
  @SaveError int openat(int dirfd, @In byte[] path, int flags);

  /** openat(2) with a mode, for O_TMPFILE (variadic: three fixed arguments). */
  @SaveError @Variadic(fixedCount = 3) int openat(int dirfd, @In byte[] path, int flags, int mode);

  @SaveError int statx(int dirfd, @In byte[] path, int flags, int mask, Pointer buf);

  /** glibc 2.30+: raw directory entries (struct linux_dirent64) into buf. */
  @SaveError @ssize_t long getdents64(int fd, Pointer buf, @size_t long count);

  @SaveError @ssize_t long readlink(@In byte[] path, @Out byte[] buf, @size_t long size);

  /** syscall(2), for openat2 (no glibc wrapper): number, dirfd, path, struct open_how *, its size. */
  @SaveError @Variadic(fixedCount = 1) long syscall(long number, int dirfd, @In byte[] path, Pointer how, @size_t long size);

  /** syscall(2), for cachestat (Linux 6.5+, no glibc wrapper): number, fd, struct cachestat_range *, struct cachestat *, flags. */
  @SaveError @Variadic(fixedCount = 1) long syscall(long number, int fd, Pointer range, Pointer stat, int flags);

  long sysconf(int name);
}

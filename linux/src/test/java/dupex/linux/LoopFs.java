package dupex.linux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;

/**
 * A real filesystem for a test: a sparse image file, mkfs, loop-mounted at a directory named after the test.
 * {@link #close()} unmounts, detaches and deletes it, also when the test failed (and from a shutdown hook if the
 * JVM is stopped). Without root or the mkfs tool the test is skipped, or fails when {@code CI=true}.
 */
public final class LoopFs implements AutoCloseable {
  public enum Kind {
    BTRFS("mkfs.btrfs", "-q", "-f"),
    XFS("mkfs.xfs", "-q", "-f", "-m", "reflink=1"),
    XFS_NOREFLINK("mkfs.xfs", "-q", "-f", "-m", "reflink=0"),
    EXT4("mkfs.ext4", "-q", "-F");

    final List<String> mkfs;

    Kind(String... mkfs) {
      this.mkfs = List.of(mkfs);
    }
  }

  /** XFS needs at least 300 MiB; the image is sparse, so only what a test writes takes space. */
  public static final long DEFAULT_SIZE = 1L << 30;
  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static final Set<LoopFs> OPEN = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> OPEN.forEach(LoopFs::closeQuietly)));
  }

  private final Kind kind;
  private final Path image;
  private final Path mountPoint;
  private boolean mounted;

  private LoopFs(Kind kind, Path image, Path mountPoint) {
    this.kind = kind;
    this.image = image;
    this.mountPoint = mountPoint;
  }

  public static LoopFs create(Kind kind, String testName) {
    return create(kind, testName, DEFAULT_SIZE);
  }

  public static LoopFs create(Kind kind, String testName, long size) {
    requireAvailable(kind);
    String safe = testName.replaceAll("[^A-Za-z0-9_.-]", "_");
    if (safe.length() > 60) safe = safe.substring(0, 60);
    String id = safe + "-" + kind.name().toLowerCase() + "-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet();
    Path base = Paths.get(System.getProperty("java.io.tmpdir"), "dupex-it");
    LoopFs fs = new LoopFs(kind, base.resolve(id + ".img"), base.resolve(id));
    try {
      Files.createDirectories(fs.mountPoint);
      try (var ch = java.nio.channels.FileChannel.open(fs.image, java.nio.file.StandardOpenOption.CREATE_NEW,
          java.nio.file.StandardOpenOption.WRITE)) {
        ch.truncate(0);
        ch.write(java.nio.ByteBuffer.allocate(1), size - 1);
      }
      OPEN.add(fs);
      List<String> mkfs = new ArrayList<>(kind.mkfs);
      mkfs.add(fs.image.toString());
      run(mkfs);
      run(List.of("mount", "-o", "loop", fs.image.toString(), fs.mountPoint.toString()));
      fs.mounted = true;
      return fs;
    } catch (IOException | RuntimeException e) {
      closeQuietly(fs);
      throw new IllegalStateException("cannot make a " + kind + " loop filesystem: " + e.getMessage(), e);
    }
  }

  /** Skips the test when this machine cannot make the filesystem; fails instead under CI=true. */
  public static void requireAvailable(Kind kind) {
    String missing = null;
    if (!"root".equals(System.getProperty("user.name"))) missing = "not root";
    else if (!Files.exists(Paths.get("/dev/loop-control"))) missing = "no /dev/loop-control";
    else if (which(kind.mkfs.get(0)) == null) missing = kind.mkfs.get(0) + " not installed";
    if (missing == null) return;
    String message = "real-filesystem test cannot run: " + missing;
    if ("true".equalsIgnoreCase(System.getenv("CI"))) throw new AssertionError(message + " (CI=true: failing, not skipping)");
    Assumptions.abort(message);
  }

  /** Skips the test when {@code tool} is not installed; fails instead under CI=true. */
  public static void requireTool(String tool) {
    if (which(tool) != null) return;
    String message = "test needs " + tool + ", which is not installed";
    if ("true".equalsIgnoreCase(System.getenv("CI"))) throw new AssertionError(message + " (CI=true: failing, not skipping)");
    Assumptions.abort(message);
  }

  private static Path which(String tool) {
    for (String dir : List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin", "/usr/local/sbin", "/usr/local/bin")) {
      Path p = Paths.get(dir, tool);
      if (Files.isExecutable(p)) return p;
    }
    return null;
  }

  public Path root() {
    return mountPoint;
  }

  public Kind kind() {
    return kind;
  }

  public Path image() {
    return image;
  }

  /** Flushes everything to disk; on btrfs also commits the transaction, so freed extents show in statfs. */
  public void sync() {
    run(List.of("sync", "-f", mountPoint.toString()));
    if (kind == Kind.BTRFS) run(List.of("btrfs", "filesystem", "sync", mountPoint.toString()));
  }

  /** Free bytes as statfs reports them, after a sync. */
  public long freeBytes() throws NativeIOException {
    sync();
    return Linux.statfs(mountPoint).freeBytes();
  }

  /** Runs a command, failing with its output if it exits non-zero; returns stdout. */
  public static String run(List<String> command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(String.join(" ", command) + ": timed out");
      }
      if (p.exitValue() != 0) throw new IllegalStateException(String.join(" ", command) + " exited " + p.exitValue() + ": " + out.strip());
      return out;
    } catch (IOException e) {
      throw new IllegalStateException(String.join(" ", command) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(String.join(" ", command) + ": interrupted", e);
    }
  }

  private static void closeQuietly(LoopFs fs) {
    try {
      fs.close();
    } catch (RuntimeException e) {
      System.err.println("LoopFs cleanup: " + e.getMessage());
    }
  }

  @Override
  public synchronized void close() {
    RuntimeException failure = null;
    if (mounted) {
      try {
        run(List.of("umount", mountPoint.toString()));
      } catch (RuntimeException e) {
        failure = e;
        try {
          run(List.of("umount", "-l", mountPoint.toString()));
        } catch (RuntimeException lazy) {
          failure.addSuppressed(lazy);
        }
      }
      mounted = false;
    }
    // mount -o loop sets autoclear, so umount detaches; detach explicitly whatever is still attached to the image.
    try {
      if (Files.exists(image)) {
        for (String line : run(List.of("losetup", "-j", image.toString())).split("\n")) {
          int colon = line.indexOf(':');
          if (colon > 0) run(List.of("losetup", "-d", line.substring(0, colon)));
        }
      }
    } catch (RuntimeException e) {
      if (failure == null) failure = e; else failure.addSuppressed(e);
    }
    try {
      Files.deleteIfExists(image);
      Files.deleteIfExists(mountPoint);
    } catch (IOException e) {
      IllegalStateException io = new IllegalStateException("cannot delete " + image + ": " + e.getMessage(), e);
      if (failure == null) failure = io; else failure.addSuppressed(io);
    }
    OPEN.remove(this);
    if (failure != null) throw failure;
  }

  @Override
  public String toString() {
    return kind + " at " + mountPoint;
  }
}

package dupex.linux;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Test data written explicitly (never copied: cp and Files.copy may reflink), checksums and extent checks. */
public final class Fixtures {
  private Fixtures() {}

  /** Deterministic pseudo-random bytes: the same seed gives the same content. */
  /** The bytes of a path a test made (test paths are ASCII or UTF-8). */
  public static BytePath bytes(Path p) {
    return BytePath.of(p.toAbsolutePath().normalize().toString());
  }

  /** A run root at a path a test made; close it. */
  public static Root root(Path p) throws NativeIOException {
    return Root.open(bytes(p));
  }

  /**
   * Copies {@code src} (no reflink) to a path given as bytes, which java.nio could not name under every locale:
   * through sh's printf with each byte as an octal escape. Parent directories are made as needed.
   */
  public static void copyAs(Path src, BytePath dest) throws IOException {
    StringBuilder octal = new StringBuilder();
    for (byte b : dest.bytes()) octal.append(String.format("\\%03o", b & 0xff));
    LoopFs.run(List.of("sh", "-c", "d=$(printf '" + octal + "x'); d=${d%x}; mkdir -p \"$(dirname \"$d\")\" && cp --reflink=never \"$1\" \"$d\"",
        "sh", src.toString()));
  }

  /** sha256sum of every regular file below {@code dir}, by name bytes, in one string: equal strings, equal trees. */
  public static String treeChecksums(Path dir) throws IOException {
    Process p = new ProcessBuilder("sh", "-c", "cd \"$1\" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum", "sh", dir.toString())
        .redirectErrorStream(true).start();
    try {
      String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
      if (p.waitFor() != 0) throw new IOException("sha256sum failed: " + out);
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  public static byte[] randomBytes(long seed, int length) {
    byte[] b = new byte[length];
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = 0; i < length; i += 8) {
      long v = r.nextLong();
      for (int k = 0; k < 8 && i + k < length; k++) b[i + k] = (byte) (v >>> (8 * k));
    }
    return b;
  }

  /** Writes the bytes at the given offset (creating the file), then fsyncs so FIEMAP shows placed extents. */
  public static Path write(Path file, long offset, byte[] data) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      ByteBuffer buf = ByteBuffer.wrap(data);
      long at = offset;
      while (buf.hasRemaining()) at += ch.write(buf, at);
      ch.force(true);
    }
    return file;
  }

  public static Path write(Path file, byte[] data) throws IOException {
    Files.deleteIfExists(file);
    return write(file, 0, data);
  }

  /** A file of pseudo-random content from the seed, written in chunks of at most 8 MiB. */
  public static Path writeRandom(Path file, long seed, long length) throws IOException {
    Files.deleteIfExists(file);
    Files.createDirectories(file.toAbsolutePath().getParent());
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      long at = 0;
      SplittableRandom seeds = new SplittableRandom(seed);
      while (at < length) {
        int n = (int) Math.min(8 << 20, length - at);
        ByteBuffer buf = ByteBuffer.wrap(randomBytes(seeds.nextLong(), n));
        while (buf.hasRemaining()) at += ch.write(buf, at);
      }
      ch.force(true);
    }
    return file;
  }

  public static String sha256(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 20];
      for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  /** sha256 of every regular file under a directory, by path: compare before and after a dedupe. */
  public static Map<Path, String> checksums(Path dir) throws IOException {
    Map<Path, String> sums = new TreeMap<>();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        if (Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) sums.put(dir.relativize(p), sha256(p));
      }
    }
    return sums;
  }

  public static List<Extent> extents(Path file) throws IOException {
    try (FileHandle h = FileHandle.open(file)) {
      return h.extents(true);
    }
  }

  /** Bytes of the file in extents flagged SHARED. */
  public static long sharedBytes(Path file) throws IOException {
    return extents(file).stream().filter(Extent::shared).mapToLong(Extent::length).sum();
  }

  /** The physical address of a file offset, or -1 if it is in a hole. */
  public static long physicalAt(Path file, long offset) throws IOException {
    for (Extent e : extents(file)) {
      if (offset >= e.logical() && offset < e.end()) return e.physical() + (offset - e.logical());
    }
    return -1;
  }
}

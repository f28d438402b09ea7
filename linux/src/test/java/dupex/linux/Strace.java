package dupex.linux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * strace attached to this JVM (every thread), recording each open and the path its descriptor names (-y), so a
 * test can tell which files were opened, whatever name or directory descriptor they were opened by.
 */
public final class Strace implements AutoCloseable {
  private final Process process;
  private final Path log;

  private Strace(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  public static Strace attach() throws IOException, InterruptedException {
    LoopFs.requireTool("strace");
    Path log = Files.createTempFile("dupex-strace", ".log");
    Process p = new ProcessBuilder("strace", "-f", "-y", "-e", "trace=open,openat,openat2,creat", "-o", log.toString(),
        "-p", Long.toString(ProcessHandle.current().pid())).redirectErrorStream(true).redirectOutput(Path.of(log + ".err").toFile()).start();
    // strace says "Process N attached" for each thread; wait until it has attached and then stopped adding threads
    long seen = -1;
    for (int i = 0; i < 100; i++) {
      Thread.sleep(100);
      if (!p.isAlive()) throw new AssertionError("strace could not attach: " + Files.readString(Path.of(log + ".err")));
      long now = Files.readAllLines(Path.of(log + ".err")).stream().filter(l -> l.contains("attached")).count();
      if (now > 0 && now == seen) return new Strace(p, log);
      seen = now;
    }
    throw new AssertionError("strace did not attach in 10 s");
  }

  /** Opens whose returned descriptor names {@code dir} or a path below it (lines of strace's log). */
  public List<String> opensUnder(Path dir) throws IOException {
    String d = "<" + dir.toAbsolutePath().normalize();
    return Files.readAllLines(log, StandardCharsets.ISO_8859_1).stream()
        .filter(l -> l.matches(".*= [0-9]+<.*"))
        .filter(l -> {
          String fd = l.substring(l.lastIndexOf("= "));
          return fd.contains(d + "/") || fd.contains(d + ">");
        }).toList();
  }

  @Override
  public void close() throws IOException, InterruptedException {
    process.destroy(); // SIGTERM: strace detaches and flushes its log
    if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly();
  }

  /** Detaches and deletes the log. */
  public void delete() throws IOException {
    Files.deleteIfExists(log);
    Files.deleteIfExists(Path.of(log + ".err"));
  }
}

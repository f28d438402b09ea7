package dupex.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the built launcher script (../dupex) as a separate process, as a user or cron would. */
final class Launcher {
  record Result(int code, String out, String err) {
    com.fasterxml.jackson.databind.JsonNode json() throws IOException {
      try {
        return JsonSchemaCheck.parse(out);
      } catch (IOException | AssertionError e) {
        throw e;
      } catch (Exception e) {
        throw new IOException(e);
      }
    }

    @Override
    public String toString() {
      return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  static Path script() {
    Path p = Paths.get(System.getProperty("user.dir")).getParent().resolve("dupex");
    if (!Files.isExecutable(p)) throw new IllegalStateException("launcher not found at " + p);
    return p;
  }

  static Process start(List<String> prefix, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(prefix);
    cmd.add(script().toString());
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).start();
  }

  static Result run(String... args) throws Exception {
    return finish(start(List.of(), args));
  }

  static Result finish(Process p) throws Exception {
    var out = p.getInputStream();
    var err = p.getErrorStream();
    var o = java.util.concurrent.CompletableFuture.supplyAsync(() -> read(out));
    var e = java.util.concurrent.CompletableFuture.supplyAsync(() -> read(err));
    if (!p.waitFor(300, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("dupex did not finish in 300 s");
    }
    return new Result(p.exitValue(), o.get(), e.get());
  }

  private static String read(java.io.InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException ex) {
      return "";
    }
  }

  private Launcher() {}
}

package dupex.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import java.util.function.BooleanSupplier;

/** Runs dupex in-process and captures stdout, stderr and the exit code. */
record CliRunner(int code, String out, String err) {
  static CliRunner run(String... args) {
    return run(() -> false, args);
  }

  static CliRunner run(BooleanSupplier cancelled, String... args) {
    StringWriter out = new StringWriter(), err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out), new PrintWriter(err), new Session(Map.of("HOME", "/nonexistent"), () -> false, cancelled, Arguments.NONE));
    return new CliRunner(code, out.toString(), err.toString());
  }

  com.fasterxml.jackson.databind.JsonNode json() throws Exception {
    return JsonSchemaCheck.parse(out);
  }

  @Override
  public String toString() {
    return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
  }
}

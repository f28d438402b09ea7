package dupex.cli;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command-line arguments as the kernel passed them: bytes. Java decodes argv with the locale's charset, so
 * under cron (no LANG) a non-ASCII path argument arrives as '?' or U+FFFD; the bytes are read back from
 * /proc/self/cmdline, whose last entries are the program's arguments.
 */
record Arguments(List<String> decoded, List<byte[]> raw) {
  /** Arguments known only as text (tests): their bytes are their UTF-8. */
  static final Arguments NONE = new Arguments(List.of(), List.of());

  static Arguments of(String[] args) {
    try {
      List<byte[]> all = split(Files.readAllBytes(Path.of("/proc/self/cmdline")));
      if (all.size() < args.length) return NONE;
      List<byte[]> tail = all.subList(all.size() - args.length, all.size());
      Charset platform = platformCharset();
      for (int i = 0; i < args.length; i++) {
        if (!new String(tail.get(i), platform).equals(args[i]) && !lossy(args[i])) return NONE; // not our argv after all
      }
      return new Arguments(List.of(args), List.copyOf(tail));
    } catch (IOException | RuntimeException e) {
      return NONE;
    }
  }

  /** A decoded argument's bytes: those the kernel passed if it is one of the arguments, else its UTF-8. */
  byte[] bytes(String arg) {
    for (int i = 0; i < decoded.size(); i++) if (decoded.get(i).equals(arg)) return raw.get(i).clone();
    return arg.getBytes(StandardCharsets.UTF_8);
  }

  private static boolean lossy(String s) {
    return s.indexOf('\uFFFD') >= 0 || s.indexOf('?') >= 0;
  }

  private static Charset platformCharset() {
    try {
      return Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));
    } catch (RuntimeException e) {
      return StandardCharsets.UTF_8;
    }
  }

  private static List<byte[]> split(byte[] cmdline) {
    List<byte[]> out = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < cmdline.length; i++) {
      if (cmdline[i] == 0) {
        out.add(java.util.Arrays.copyOfRange(cmdline, start, i));
        start = i + 1;
      }
    }
    if (start < cmdline.length) out.add(java.util.Arrays.copyOfRange(cmdline, start, cmdline.length));
    return out;
  }
}
